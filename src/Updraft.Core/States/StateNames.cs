namespace Updraft.Core.States;

/// <summary>Airflow's wire names for states (<c>upstream_failed</c>, <c>up_for_retry</c>, …) and the finished/unfinished sets.</summary>
public static class StateNames
{
    private static readonly Dictionary<TaskInstanceState, string> TaskNames = new()
    {
        [TaskInstanceState.None] = "none",
        [TaskInstanceState.Scheduled] = "scheduled",
        [TaskInstanceState.Queued] = "queued",
        [TaskInstanceState.Running] = "running",
        [TaskInstanceState.Success] = "success",
        [TaskInstanceState.Failed] = "failed",
        [TaskInstanceState.Skipped] = "skipped",
        [TaskInstanceState.UpstreamFailed] = "upstream_failed",
        [TaskInstanceState.UpForRetry] = "up_for_retry",
        [TaskInstanceState.UpForReschedule] = "up_for_reschedule",
        [TaskInstanceState.Deferred] = "deferred",
        [TaskInstanceState.Removed] = "removed",
        [TaskInstanceState.Restarting] = "restarting",
    };

    private static readonly Dictionary<string, TaskInstanceState> TaskByName =
        TaskNames.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);

    public static string ToWireName(this TaskInstanceState state) => TaskNames[state];

    public static string ToWireName(this DagRunState state) => state.ToString().ToLowerInvariant();

    public static bool TryParseTaskState(string name, out TaskInstanceState state) => TaskByName.TryGetValue(name, out state);

    /// <summary>The state a stored or wire name stands for; throws for a name that is not a task-instance state.</summary>
    public static TaskInstanceState ParseTaskState(string name) =>
        TaskByName.TryGetValue(name, out var state) ? state : throw new FormatException($"'{name}' is not a task instance state.");

    /// <summary>The run state a stored or wire name stands for; throws for a name that is not a DAG-run state.</summary>
    public static DagRunState ParseRunState(string name) =>
        Enum.TryParse<DagRunState>(name, ignoreCase: true, out var state) && !int.TryParse(name, out _)
            ? state
            : throw new FormatException($"'{name}' is not a DAG run state.");

    /// <summary>success, failed, skipped, upstream_failed, removed.</summary>
    public static bool IsFinished(this TaskInstanceState state) => state is TaskInstanceState.Success
        or TaskInstanceState.Failed or TaskInstanceState.Skipped or TaskInstanceState.UpstreamFailed or TaskInstanceState.Removed;

    /// <summary>Every state in which the task instance may still run.</summary>
    public static bool IsUnfinished(this TaskInstanceState state) => !state.IsFinished();
}
