namespace Updraft.Core.States;

/// <summary>
/// The task-instance lifecycle: the one table of moves a task instance may make. Stores refuse any other move,
/// so a bug elsewhere cannot put a row into a state its lifecycle does not allow (ADR 0011).
/// </summary>
public static class TaskInstanceTransitions
{
    // Read a row as: from this state, these moves. "Marked" moves (success/failed set by a person) and clearing
    // (back to none) are allowed from every state where they make sense, as in Airflow.
    private static readonly Dictionary<TaskInstanceState, HashSet<TaskInstanceState>> Moves = new()
    {
        [TaskInstanceState.None] = [TaskInstanceState.Scheduled, TaskInstanceState.Queued, TaskInstanceState.Skipped,
            TaskInstanceState.UpstreamFailed, TaskInstanceState.Removed, TaskInstanceState.Success, TaskInstanceState.Failed],
        [TaskInstanceState.Scheduled] = [TaskInstanceState.Queued, TaskInstanceState.None, TaskInstanceState.Skipped,
            TaskInstanceState.UpstreamFailed, TaskInstanceState.Removed, TaskInstanceState.Success, TaskInstanceState.Failed],
        [TaskInstanceState.Queued] = [TaskInstanceState.Running, TaskInstanceState.Scheduled, TaskInstanceState.None, TaskInstanceState.UpForRetry,
            TaskInstanceState.Failed, TaskInstanceState.Restarting, TaskInstanceState.Removed, TaskInstanceState.Success],
        [TaskInstanceState.Running] = [TaskInstanceState.Success, TaskInstanceState.Failed, TaskInstanceState.Skipped, TaskInstanceState.UpForRetry,
            TaskInstanceState.UpForReschedule, TaskInstanceState.Deferred, TaskInstanceState.Restarting, TaskInstanceState.Removed],
        [TaskInstanceState.UpForRetry] = [TaskInstanceState.Scheduled, TaskInstanceState.Queued, TaskInstanceState.None, TaskInstanceState.Removed,
            TaskInstanceState.Success, TaskInstanceState.Failed],
        [TaskInstanceState.UpForReschedule] = [TaskInstanceState.Scheduled, TaskInstanceState.None, TaskInstanceState.Removed,
            TaskInstanceState.Success, TaskInstanceState.Failed],
        [TaskInstanceState.Deferred] = [TaskInstanceState.Scheduled, TaskInstanceState.Failed, TaskInstanceState.UpForRetry,
            TaskInstanceState.Restarting, TaskInstanceState.None, TaskInstanceState.Removed, TaskInstanceState.Success],
        // A cleared try being stopped: when it ends it goes back to none (and runs again), or it is marked.
        [TaskInstanceState.Restarting] = [TaskInstanceState.None, TaskInstanceState.Removed, TaskInstanceState.Success, TaskInstanceState.Failed],
        [TaskInstanceState.Success] = [TaskInstanceState.None, TaskInstanceState.Failed, TaskInstanceState.Removed],
        [TaskInstanceState.Failed] = [TaskInstanceState.None, TaskInstanceState.Success, TaskInstanceState.Removed],
        [TaskInstanceState.Skipped] = [TaskInstanceState.None, TaskInstanceState.Success, TaskInstanceState.Failed, TaskInstanceState.Removed],
        [TaskInstanceState.UpstreamFailed] = [TaskInstanceState.None, TaskInstanceState.Success, TaskInstanceState.Failed, TaskInstanceState.Removed],
        // A task that comes back in a newer DAG version runs again.
        [TaskInstanceState.Removed] = [TaskInstanceState.None],
    };

    /// <summary>Whether a task instance in <paramref name="from"/> may move to <paramref name="to"/>.</summary>
    public static bool IsAllowed(TaskInstanceState from, TaskInstanceState to) => Moves[from].Contains(to);

    /// <summary>Every state from which a task instance may move to <paramref name="to"/>.</summary>
    public static IReadOnlyList<TaskInstanceState> Into(TaskInstanceState to) => [.. Moves.Where(m => m.Value.Contains(to)).Select(m => m.Key)];

    /// <summary>
    /// The states among <paramref name="from"/>, after checking each may move to <paramref name="to"/>; throws for a move
    /// the lifecycle does not allow, which is a bug in the caller, never a race.
    /// </summary>
    public static IReadOnlyCollection<TaskInstanceState> Require(IReadOnlyCollection<TaskInstanceState> from, TaskInstanceState to)
    {
        ArgumentNullException.ThrowIfNull(from);
        foreach (var state in from)
        {
            if (!IsAllowed(state, to))
            {
                throw new InvalidOperationException($"A task instance may not move from {state.ToWireName()} to {to.ToWireName()}.");
            }
        }

        return from;
    }
}
