using Updraft.Core.States;

namespace Updraft.Storage.Database;

/// <summary>States as they are stored: Airflow's wire names. The only place state enums meet SQL text.</summary>
internal static class StateSql
{
    /// <summary>A SQL list of the states' stored names (<c>'queued', 'running'</c>); the names are constants, never user input.</summary>
    public static string List(IEnumerable<TaskInstanceState> states) => string.Join(", ", states.Select(s => $"'{s.ToWireName()}'"));

    public static string Of(TaskInstanceState state) => $"'{state.ToWireName()}'";

    /// <summary>States that hold capacity (pool slots, parallelism, max active tasks): queued and running.</summary>
    public static readonly string Active = List([TaskInstanceState.Queued, TaskInstanceState.Running]);

    public static readonly string Finished = List(Enum.GetValues<TaskInstanceState>().Where(s => s.IsFinished()));
}
