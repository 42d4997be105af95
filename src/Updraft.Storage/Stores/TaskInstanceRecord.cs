namespace Updraft.Storage.Stores;

/// <summary>A row of the <c>task_instance</c> table. <see cref="State"/> holds Airflow's state names, <c>none</c> included.</summary>
public sealed class TaskInstanceRecord
{
    public string DagId { get; init; } = "";

    public string RunId { get; init; } = "";

    public string TaskId { get; init; } = "";

    public int MapIndex { get; init; } = -1;

    public string State { get; init; } = "none";

    public int TryNumber { get; init; }

    public int MaxTries { get; init; }

    public string Operator { get; init; } = "";

    public string Pool { get; init; } = "default_pool";

    public int PoolSlots { get; init; } = 1;

    public int PriorityWeight { get; init; } = 1;

    public string Queue { get; init; } = "default";

    public string? Executor { get; init; }

    public string? Hostname { get; init; }

    public int? Pid { get; init; }

    public long? QueuedDttm { get; init; }

    public long? StartDate { get; init; }

    public long? EndDate { get; init; }

    public double? Duration { get; init; }

    public long? NextRetryAt { get; init; }

    public long? LastHeartbeatAt { get; init; }

    /// <summary>The DAG version of the task's run, where a query includes it (0 otherwise).</summary>
    public int DagVersion { get; init; }

    public TaskInstanceKey Key => new(DagId, RunId, TaskId, MapIndex);
}
