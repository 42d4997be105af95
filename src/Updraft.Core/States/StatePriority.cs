namespace Updraft.Core.States;

/// <summary>
/// The one state that stands for several task instances (a task group, the instances of a mapped task) where a view
/// shows one: the most urgent by Airflow's grid priority — failed, upstream failed, up for retry, up for reschedule,
/// queued, scheduled, deferred, running, restarting, none, success, skipped, removed.
/// </summary>
public static class StatePriority
{
    private static readonly TaskInstanceState[] Order =
    [
        TaskInstanceState.Failed, TaskInstanceState.UpstreamFailed, TaskInstanceState.UpForRetry, TaskInstanceState.UpForReschedule,
        TaskInstanceState.Queued, TaskInstanceState.Scheduled, TaskInstanceState.Deferred, TaskInstanceState.Running,
        TaskInstanceState.Restarting, TaskInstanceState.None, TaskInstanceState.Success, TaskInstanceState.Skipped, TaskInstanceState.Removed,
    ];

    /// <summary>The state that stands for <paramref name="states"/>; null when there are none.</summary>
    public static TaskInstanceState? Summarize(IEnumerable<TaskInstanceState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        int? best = null;
        foreach (var state in states)
        {
            var rank = Array.IndexOf(Order, state);
            rank = rank < 0 ? Order.Length : rank;
            best = best is null || rank < best ? rank : best;
        }

        return best is { } found ? (found < Order.Length ? Order[found] : TaskInstanceState.None) : null;
    }
}
