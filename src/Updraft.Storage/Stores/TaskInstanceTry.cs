using Updraft.Core.States;

namespace Updraft.Storage.Stores;

/// <summary>One try of a task instance, from the history (finished tries) or the task instance itself (the current one).</summary>
public sealed record TaskInstanceTry
{
    public int TryNumber { get; init; }

    public TaskInstanceState State { get; init; }

    /// <summary>The stored state name; the storage mapping reads it into <see cref="State"/>.</summary>
    internal string StateName
    {
        get => State.ToWireName();
        init => State = StateNames.ParseTaskState(value);
    }

    public string? Hostname { get; init; }

    public int? Pid { get; init; }

    public long? StartDate { get; init; }

    public long? EndDate { get; init; }

    public double? Duration { get; init; }

    public string? Executor { get; init; }
}
