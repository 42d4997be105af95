using System.Text;
using Updraft.Core.DagRuns;
using Updraft.Core.Runtime;
using Updraft.Core.States;

namespace Updraft.Execution.Testing;

/// <summary>The outcome of an in-process DAG test run: the run's state, each task's state and tries, and the XComs.</summary>
public sealed class DagTestResult
{
    public DagTestResult(
        DagRunContext run,
        DagRunState state,
        IReadOnlyDictionary<TaskInstanceId, TaskInstanceState> instanceStates,
        IReadOnlyDictionary<TaskInstanceId, int> instanceTries,
        InMemoryXComStore xcom)
    {
        ArgumentNullException.ThrowIfNull(instanceStates);
        ArgumentNullException.ThrowIfNull(instanceTries);
        Run = run;
        State = state;
        TaskInstanceStates = instanceStates;
        TaskInstanceTries = instanceTries;
        XCom = xcom;
        var byTask = instanceStates.GroupBy(s => s.Key.TaskId, StringComparer.Ordinal).ToList();
        TaskStates = byTask.ToDictionary(g => g.Key, g => Summarise([.. g.Select(s => s.Value)]), StringComparer.Ordinal);
        Tries = byTask.ToDictionary(g => g.Key, g => g.Max(s => instanceTries.GetValueOrDefault(s.Key)), StringComparer.Ordinal);
    }

    public DagRunContext Run { get; }

    public string RunId => Run.RunId;

    public DagRunState State { get; }

    /// <summary>
    /// Each task's state; for a mapped task, one state for all its instances: failed if any failed, else
    /// upstream_failed if any, else success if any succeeded, else skipped (see <see cref="TaskInstanceStates"/>).
    /// </summary>
    public IReadOnlyDictionary<string, TaskInstanceState> TaskStates { get; }

    /// <summary>Every task instance's state, mapped instances by map index.</summary>
    public IReadOnlyDictionary<TaskInstanceId, TaskInstanceState> TaskInstanceStates { get; }

    /// <summary>How many tries each task took (0 for tasks that never ran; for a mapped task, its instances' most).</summary>
    public IReadOnlyDictionary<string, int> Tries { get; }

    public IReadOnlyDictionary<TaskInstanceId, int> TaskInstanceTries { get; }

    public InMemoryXComStore XCom { get; }

    /// <summary>The states of a mapped task's instances, in map-index order (empty when it was not expanded).</summary>
    public IReadOnlyList<TaskInstanceState> MappedStates(string taskId) =>
        [.. TaskInstanceStates.Where(s => s.Key.TaskId == taskId && s.Key.MapIndex >= 0).OrderBy(s => s.Key.MapIndex).Select(s => s.Value)];

    /// <summary>
    /// The XCom <paramref name="taskId"/> pushed under <paramref name="key"/>, read as <typeparamref name="T"/>; for a
    /// mapped task, its instances' values collected in map-index order (read it as an array type).
    /// </summary>
    public T? XComValue<T>(string taskId, string key = XComKey.ReturnValue)
    {
        string? json;
        if (TaskInstanceStates.Keys.Any(k => k.TaskId == taskId && k.MapIndex >= 0))
        {
            var values = XCom.Values.Where(v => v.Key.TaskId == taskId && v.Key.Key == key && v.Key.MapIndex >= 0).OrderBy(v => v.Key.MapIndex).Select(v => v.Value);
            json = new StringBuilder("[").AppendJoin(',', values).Append(']').ToString();
        }
        else
        {
            json = XCom.Values.TryGetValue(new XComKey(Run.DagId, Run.RunId, taskId, -1, key), out var value) ? value : null;
        }

        return json is not null && XComJson.Deserialize(json, typeof(T)) is T typed ? typed : default;
    }

    /// <summary>A one-line count of a mapped task's instances by state (<c>3 success, 1 failed</c>); empty for a task that is not mapped.</summary>
    public string MappedSummary(string taskId)
    {
        var states = MappedStates(taskId);
        return states.Count == 0
            ? ""
            : string.Join(", ", states.GroupBy(s => s).OrderBy(g => g.Key).Select(g => $"{g.Count()} {g.Key.ToWireName()}"));
    }

    private static TaskInstanceState Summarise(IReadOnlyList<TaskInstanceState> states)
    {
        if (states.Count == 1)
        {
            return states[0];
        }

        TaskInstanceState[] order = [TaskInstanceState.Failed, TaskInstanceState.UpstreamFailed, TaskInstanceState.Success, TaskInstanceState.Skipped];
        return order.FirstOrDefault(states.Contains, states.FirstOrDefault(s => s != TaskInstanceState.Removed, TaskInstanceState.Removed));
    }
}
