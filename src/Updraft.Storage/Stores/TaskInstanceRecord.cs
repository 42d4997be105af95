using Updraft.Core.States;

namespace Updraft.Storage.Stores;

/// <summary>A row of the <c>task_instance</c> table.</summary>
public sealed class TaskInstanceRecord
{
    public string DagId { get; init; } = "";

    public string RunId { get; init; } = "";

    public string TaskId { get; init; } = "";

    public int MapIndex { get; init; } = -1;

    public TaskInstanceState State { get; init; }

    /// <summary>The stored state name; the storage mapping reads it into <see cref="State"/>.</summary>
    internal string StateName
    {
        get => State.ToWireName();
        init => State = StateNames.ParseTaskState(value);
    }

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

    /// <summary>The note a person left on the task instance, and who wrote it.</summary>
    public string? Note { get; init; }

    public string? NoteUser { get; init; }

    /// <summary>The DAG version of the task's run, where a query includes it (0 otherwise).</summary>
    public int DagVersion { get; init; }

    public TaskInstanceKey Key => new(DagId, RunId, TaskId, MapIndex);
}
