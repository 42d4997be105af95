using Updraft.Core.States;

namespace Updraft.Storage.Stores;

/// <summary>A row of the <c>dag_run</c> table.</summary>
public sealed class DagRunRecord
{
    public long Id { get; init; }

    public string DagId { get; init; } = "";

    public string RunId { get; init; } = "";

    public string RunType { get; init; } = "";

    public int DagVersion { get; init; }

    public long LogicalDate { get; init; }

    public long DataIntervalStart { get; init; }

    public long DataIntervalEnd { get; init; }

    public long RunAfter { get; init; }

    public DagRunState State { get; init; }

    /// <summary>The stored state name; the storage mapping reads it into <see cref="State"/>.</summary>
    internal string StateName
    {
        get => State.ToWireName();
        init => State = StateNames.ParseRunState(value);
    }

    public string Conf { get; init; } = "{}";

    public long QueuedAt { get; init; }

    public long? StartDate { get; init; }

    public long? EndDate { get; init; }

    /// <summary>The backfill that created or reprocessed this run, if any.</summary>
    public long? BackfillId { get; init; }

    /// <summary>The note a person left on the run, and who wrote it.</summary>
    public string? Note { get; init; }

    public string? NoteUser { get; init; }
}
