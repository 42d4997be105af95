namespace Updraft.Storage.Stores;

/// <summary>A row of the <c>dag</c> table: a DAG's state as the scheduler and CLI see it.</summary>
public sealed class DagRecord
{
    public string DagId { get; init; } = "";

    public bool IsPaused { get; init; }

    public bool IsActive { get; init; }

    public string Fileloc { get; init; } = "";

    public string Owners { get; init; } = "";

    public string TimetableSummary { get; init; } = "";

    public int LatestVersion { get; init; }

    public int MaxActiveRuns { get; init; }

    public int MaxActiveTasks { get; init; }

    public long LastParsedTime { get; init; }

    public long? NextDagrun { get; init; }

    public long? NextDagrunDataIntervalStart { get; init; }

    public long? NextDagrunDataIntervalEnd { get; init; }

    public long? NextDagrunCreateAfter { get; init; }

    public string? Description { get; init; }

    public bool HasTaskConcurrencyLimits { get; init; }
}
