using Updraft.Core.Connections;
using Updraft.Core.Runtime;
using Updraft.Core.States;

namespace Updraft.Execution.Api;

/// <summary>
/// The one contract between the orchestrator and whatever runs a try (a local worker process, a queue worker, a pod,
/// a container): start, heartbeat, finish, and the reads and writes a task needs. Every call carries the token issued
/// for that one try; a call about another task instance is refused. Workers hold no database credentials: this is
/// their only way in (ADR 0012).
/// </summary>
public interface IExecutionApi
{
    /// <summary>Marks the queued try running on <paramref name="hostname"/> / <paramref name="pid"/>; null when it is no longer that queued try.</summary>
    Task<TryStart?> StartAsync(string token, TryIdentity id, string hostname, int pid, CancellationToken cancellationToken = default);

    Task<HeartbeatResult> HeartbeatAsync(string token, TryIdentity id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends the try in <paramref name="state"/> (success, skipped or failed); a failure that may retry is recorded as
    /// up_for_retry when the task has retries left. A success records an event for each of the task's outlets, with the
    /// extra data in <paramref name="outletEvents"/> (by asset name). Returns the state recorded, or null when the try
    /// no longer owns its task instance.
    /// </summary>
    Task<TaskInstanceState?> FinishAsync(string token, TryIdentity id, TaskInstanceState state, bool retryAllowed, System.Text.Json.Nodes.JsonObject? outletEvents = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends the try of a sensor in reschedule mode that is not done yet: up_for_reschedule until
    /// <paramref name="rescheduleDate"/>, its slot free meanwhile, the poke recorded in the reschedule history. Returns the
    /// state recorded (none when the task instance was cleared meanwhile), or null when the try no longer owns it.
    /// </summary>
    Task<TaskInstanceState?> RescheduleAsync(string token, TryIdentity id, DateTimeOffset rescheduleDate, CancellationToken cancellationToken = default);

    /// <summary>
    /// Defers the try on a trigger (state deferred, its slot free) until the triggerer fires it; the task instance then
    /// runs again in the same try, resuming in <see cref="TaskDeferral.NextMethod"/>. Returns deferred (none when the
    /// task instance was cleared meanwhile: it runs again from the start), or null when the try no longer owns it.
    /// </summary>
    Task<TaskInstanceState?> DeferAsync(string token, TryIdentity id, TaskDeferral deferral, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks tasks of the try's run skipped before the try ends (a branch's unchosen paths, a short-circuit's downstream
    /// tasks): only tasks downstream of the try's task, and only those that have not started. Returns how many were
    /// skipped; <see cref="TryNotOwnedException"/> when the try no longer owns its task instance.
    /// </summary>
    Task<int> SkipDownstreamAsync(string token, TryIdentity id, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records the try's rendered template fields (field name to rendered value, secrets already masked) for the REST
    /// API and the UI, replacing what an earlier try of its task instance recorded (Airflow's RTIF);
    /// <see cref="TryNotOwnedException"/> when the try no longer owns its running task instance.
    /// </summary>
    Task SetRenderedFieldsAsync(string token, TryIdentity id, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken = default);

    /// <summary>
    /// The content of the DAG file the try's run version was built from (<see cref="TryStart.SourceHash"/>), so the try
    /// runs that code and no other, and a worker needs no DAGs folder; null when it is not stored.
    /// </summary>
    Task<Core.Serialization.DagCode?> GetDagCodeAsync(string token, TryIdentity id, string sourceHash, CancellationToken cancellationToken = default);

    /// <summary>Records the question of the try's human-in-the-loop task (replacing an earlier one of its task instance).</summary>
    Task RequestHumanInputAsync(string token, TryIdentity id, HumanRequest request, CancellationToken cancellationToken = default);

    /// <summary>An XCom of any task instance of the try's run (an upstream result), or null.</summary>
    Task<string?> GetXComAsync(string token, TryIdentity id, XComKey key, CancellationToken cancellationToken = default);

    /// <summary>The values every mapped instance of <paramref name="key"/>'s task stored under its key in the try's run, in map-index order.</summary>
    Task<IReadOnlyList<string>> GetMappedXComsAsync(string token, TryIdentity id, XComKey key, CancellationToken cancellationToken = default);

    /// <summary>Writes an XCom of the try's own task instance; <see cref="TryNotOwnedException"/> when the try no longer owns it.</summary>
    Task SetXComAsync(string token, TryIdentity id, XComKey key, string json, CancellationToken cancellationToken = default);

    /// <summary>A variable through the secrets chain (environment, then database), or null.</summary>
    Task<string?> GetVariableAsync(string token, TryIdentity id, string key, CancellationToken cancellationToken = default);

    /// <summary>A connection through the secrets chain (environment, then database), or null.</summary>
    Task<Connection?> GetConnectionAsync(string token, TryIdentity id, string connId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Creates a queued manual run of another DAG for a cross-DAG task (Airflow's trigger through the execution API);
    /// <see cref="DagRunTriggerException"/> when the DAG does not exist, the run id is taken or the conf is invalid.
    /// </summary>
    Task TriggerDagRunAsync(string token, TryIdentity id, string dagId, string runId, DateTimeOffset logicalDate, System.Text.Json.Nodes.JsonObject? conf, CancellationToken cancellationToken = default);

    /// <summary>A run's state, or null when there is no such run.</summary>
    Task<string?> GetDagRunStateAsync(string token, TryIdentity id, string dagId, string runId, CancellationToken cancellationToken = default);

    /// <summary>The state of a DAG's run at a logical date, or of one of its task instances; null when there is none.</summary>
    Task<string?> GetStateAtAsync(string token, TryIdentity id, string dagId, string? taskId, DateTimeOffset logicalDate, CancellationToken cancellationToken = default);
}
