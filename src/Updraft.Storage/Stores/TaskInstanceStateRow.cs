using Updraft.Core.States;

namespace Updraft.Storage.Stores;

/// <summary>A task instance as run evaluation reads it: its key, state and retry time.</summary>
public sealed class TaskInstanceStateRow
{
    public string DagId { get; init; } = "";

    public string RunId { get; init; } = "";

    public string TaskId { get; init; } = "";

    public int MapIndex { get; init; }

    public TaskInstanceState State { get; init; }

    /// <summary>When an up_for_retry instance may run again (Unix microseconds).</summary>
    public long? NextRetryAt { get; init; }

    internal string StateName
    {
        get => State.ToWireName();
        init => State = StateNames.ParseTaskState(value);
    }
}
