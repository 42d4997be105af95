using Updraft.Core.States;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>Task instances in the metadata database; every state change is a guarded, conditional write (ADR 0011).</summary>
public interface ITaskInstanceStore
{
    /// <summary>One page of <see cref="TaskInstanceRecord"/> rows matching <paramref name="query"/>, in its order, with the count of all matches.</summary>
    Task<Page<TaskInstanceRecord>> QueryAsync(TaskInstanceQuery query, CancellationToken cancellationToken = default);

    Task<TaskInstanceRecord?> GetAsync(TaskInstanceKey key, CancellationToken cancellationToken = default);

    /// <summary>The tries of a task instance, first to last: those recorded in the history, then the current one if it is not there yet.</summary>
    Task<IReadOnlyList<TaskInstanceTry>> TriesAsync(TaskInstanceKey key, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<TaskInstanceRecord>> ListForRunAsync(string dagId, string runId, CancellationToken cancellationToken = default);

    /// <summary>All task instances of the given runs, in one query.</summary>
    Task<IReadOnlyList<TaskInstanceRecord>> ListForRunsAsync(IReadOnlyCollection<(string DagId, string RunId)> runs, CancellationToken cancellationToken = default);

    /// <summary>The key and state of every task instance of the given runs, in one narrow query.</summary>
    Task<IReadOnlyList<TaskInstanceStateRow>> StatesForRunsAsync(IReadOnlyCollection<(string DagId, string RunId)> runs, CancellationToken cancellationToken = default);

    /// <summary>Marks for evaluation the runs that have a retry coming due by <paramref name="now"/>.</summary>
    Task<int> FlagDueRetriesAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Applies state changes, each only if the row is still in its expected state; returns how many applied.</summary>
    Task<int> TransitionAsync(IReadOnlyCollection<TaskInstanceChange> changes, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>What currently holds capacity: queued and running task instances.</summary>
    Task<IReadOnlyList<TaskInstanceRecord>> ActiveAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues a task instance for a new try whatever its state (except queued, running or being restarted), for running
    /// it by hand (a finished one is cleared first); returns the queued row, or null when there is no such task
    /// instance or it is active.
    /// </summary>
    Task<TaskInstanceRecord?> ForceQueueAsync(TaskInstanceKey key, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Marks queued tries running, in one statement per batch; returns each started try's run (missing: it was not that queued try any more).</summary>
    Task<IReadOnlyDictionary<TryKey, TryStarted>> StartManyAsync(IReadOnlyList<TryStartRequest> tries, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Ends tries (each only if still that try in one of <paramref name="from"/>, running unless given) with their history and runs flagged, one round trip per batch on PostgreSQL; returns those that ended.</summary>
    Task<IReadOnlySet<TryKey>> FinishManyAsync(IReadOnlyList<TryEnd> ends, DateTimeOffset now, IReadOnlyCollection<TaskInstanceState>? from = null, CancellationToken cancellationToken = default);

    /// <summary>Marks a queued try running in this process; false if the row is no longer that queued try (another runner took it, or it was cleared).</summary>
    Task<bool> StartAsync(TaskInstanceKey key, int tryNumber, string hostname, int pid, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Records that try <paramref name="tryNumber"/> is alive; false when the row is no longer that running try, so the try must stop.</summary>
    Task<bool> HeartbeatAsync(TaskInstanceKey key, int tryNumber, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends try <paramref name="tryNumber"/> in <paramref name="state"/> (success, failed, skipped, or up_for_retry with
    /// <paramref name="nextRetryAt"/>) if the row is still that try in one of <paramref name="from"/> (running unless
    /// given), and records the try in the history. A try whose task instance was cleared while it ran (restarting)
    /// goes back to none, to run again. False when the row no longer belongs to this try: nothing is written.
    /// </summary>
    Task<bool> FinishAsync(
        TaskInstanceKey key,
        int tryNumber,
        TaskInstanceState state,
        DateTimeOffset now,
        DateTimeOffset? nextRetryAt = null,
        IReadOnlyCollection<TaskInstanceState>? from = null,
        CancellationToken cancellationToken = default);

    /// <summary>Sets (or, with null, removes) the note on a task instance; false when there is no such task instance.</summary>
    Task<bool> SetNoteAsync(TaskInstanceKey key, string? note, string? user, CancellationToken cancellationToken = default);

    /// <summary>
    /// Clears task instances so the scheduler runs them again: a fresh retries budget from their current try, their
    /// XComs removed, and their runs reopened (queued) when they had finished. A queued or running one becomes
    /// restarting: its try is stopped (its heartbeat no longer owns the row) and it then runs again. Returns the cleared keys.
    /// </summary>
    Task<IReadOnlyList<TaskInstanceKey>> ClearAsync(
        IReadOnlyCollection<(TaskInstanceKey Key, int Retries)> taskInstances,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// A restarting task instance whose try has ended (its worker reported it, or it stopped heartbeating) goes back to
    /// none, so the scheduler runs it again; false when the row is not that restarting try.
    /// </summary>
    Task<bool> ResetRestartingAsync(TaskInstanceKey key, int tryNumber, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>
    /// A try that was lost before it ever started (its executor never ran it: its worker died during the hand-over)
    /// does not count as a try: the task instance goes back to scheduled with its previous try number, to be queued
    /// again. False when the row is not that queued try (it started meanwhile, or was cleared).
    /// </summary>
    Task<bool> RequeueAsync(TaskInstanceKey key, int tryNumber, CancellationToken cancellationToken = default);

    /// <summary>Every task instance in <paramref name="state"/>.</summary>
    Task<IReadOnlyList<TaskInstanceRecord>> ListInStateAsync(TaskInstanceState state, CancellationToken cancellationToken = default);

    /// <summary>Task instances queued before <paramref name="before"/> that no runner has started.</summary>
    Task<IReadOnlyList<TaskInstanceRecord>> StaleQueuedAsync(DateTimeOffset before, CancellationToken cancellationToken = default);

    /// <summary>Running (or restarting) task instances whose last heartbeat is older than <paramref name="before"/>.</summary>
    Task<IReadOnlyList<TaskInstanceRecord>> StaleRunningAsync(DateTimeOffset before, CancellationToken cancellationToken = default);
}
