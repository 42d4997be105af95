namespace Updraft.Storage.Stores;

/// <summary>A scheduled task instance that admission may queue, with what the limits need to know about it.</summary>
public sealed class AdmissionCandidate
{
    public string DagId { get; init; } = "";

    public string RunId { get; init; } = "";

    public string TaskId { get; init; } = "";

    public int MapIndex { get; init; } = -1;

    public string Pool { get; init; } = PoolStore.DefaultPool;

    public int PoolSlots { get; init; } = 1;

    public int PriorityWeight { get; init; }

    /// <summary>The executor the task names (its <c>executor</c> field; after a try, the one it ran on), or null for the default.</summary>
    public string? Executor { get; init; }

    /// <summary>The DAG version of the task's run.</summary>
    public int DagVersion { get; init; }

    /// <summary>The DAG's <c>max_active_tasks</c>.</summary>
    public int DagMaxActiveTasks { get; init; }

    public TaskInstanceKey Key => new(DagId, RunId, TaskId, MapIndex);
}
