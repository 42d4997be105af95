using System.Text.Json.Nodes;

namespace Updraft.Core.Runtime;

/// <summary>
/// What a task may ask of the orchestrator about other DAGs' runs: trigger one, and read a run's or a task
/// instance's state (Airflow's cross-DAG operators and sensors). Workers reach it through the execution API.
/// </summary>
public interface IDagRunClient
{
    /// <summary>
    /// Creates a manual run of <paramref name="dagId"/>, queued, with <paramref name="runId"/>; its conf is checked
    /// against the DAG's params. <see cref="DagRunTriggerException"/> when the DAG does not exist, the run id is taken
    /// or the conf is invalid.
    /// </summary>
    Task TriggerAsync(string dagId, string runId, DateTimeOffset logicalDate, JsonObject? conf, CancellationToken cancellationToken = default);

    /// <summary>The run's state (<c>queued</c>, <c>running</c>, <c>success</c>, <c>failed</c>), or null when there is no such run.</summary>
    Task<string?> GetRunStateAsync(string dagId, string runId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The state of <paramref name="dagId"/>'s run with logical date <paramref name="logicalDate"/>, or with
    /// <paramref name="taskId"/> of that task instance in it; null when there is no such run (or task instance).
    /// </summary>
    Task<string?> GetStateAtAsync(string dagId, string? taskId, DateTimeOffset logicalDate, CancellationToken cancellationToken = default);
}

/// <summary>Why a run could not be triggered.</summary>
public enum DagRunTriggerError
{
    /// <summary>The conf (or run id) was refused.</summary>
    Invalid,

    /// <summary>There is no such DAG.</summary>
    DagNotFound,

    /// <summary>The run id was taken (Airflow's <c>DagRunAlreadyExists</c>).</summary>
    AlreadyExists,
}

/// <summary>A run that could not be triggered: no such DAG, a run id already taken, or a conf its params refuse.</summary>
public sealed class DagRunTriggerException(string message, DagRunTriggerError error = DagRunTriggerError.Invalid) : Exception(message)
{
    public DagRunTriggerError Error { get; } = error;

    public bool AlreadyExists => Error == DagRunTriggerError.AlreadyExists;
}
