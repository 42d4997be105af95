namespace Updraft.Storage.Stores;

/// <summary>A row of the <c>backfill</c> table; times in microseconds since the epoch, as every store keeps them.</summary>
public sealed class BackfillRecord
{
    public long Id { get; init; }

    public string DagId { get; init; } = "";

    public long FromDate { get; init; }

    public long ToDate { get; init; }

    /// <summary>The conf (a JSON object) every run of the backfill gets.</summary>
    public string DagRunConf { get; init; } = "{}";

    public bool IsPaused { get; init; }

    public ReprocessBehavior ReprocessBehavior { get; init; }

    /// <summary>The stored behaviour name; the storage mapping reads it into <see cref="ReprocessBehavior"/>.</summary>
    internal string ReprocessBehaviorName
    {
        get => ReprocessBehavior.ToWireName();
        init => ReprocessBehavior = ReprocessBehaviors.TryParse(value, out var b) ? b : throw new InvalidOperationException($"Unknown reprocess behavior '{value}' in the backfill table.");
    }

    public int MaxActiveRuns { get; init; }

    public bool RunBackwards { get; init; }

    public string? TriggeringUserName { get; init; }

    public long CreatedAt { get; init; }

    public long? CompletedAt { get; init; }

    public long UpdatedAt { get; init; }
}

/// <summary>One interval of a backfill: the run it created or reprocessed, or why it left the date alone.</summary>
public sealed class BackfillDagRun
{
    public long LogicalDate { get; init; }

    public int SortOrdinal { get; init; }

    public long? DagRunId { get; init; }

    public string? RunId { get; init; }

    public string? ExceptionReason { get; init; }
}

/// <summary>Why a backfill made no run for an interval (Airflow's <c>exception_reason</c>).</summary>
public static class BackfillExceptionReason
{
    /// <summary>The existing run is queued or running.</summary>
    public const string InFlight = "in flight";

    /// <summary>A run exists and the reprocess behaviour leaves it alone.</summary>
    public const string AlreadyExists = "already exists";
}

/// <summary>A backfill just created: how many runs it made, how many existing runs it runs again, and the intervals it left alone by reason.</summary>
public sealed record BackfillCreated(BackfillRecord Backfill, int Created, int Reprocessed, IReadOnlyDictionary<string, int> Skipped);
