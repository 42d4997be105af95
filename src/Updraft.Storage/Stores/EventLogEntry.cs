namespace Updraft.Storage.Stores;

/// <summary>A row of the event log (Airflow's <c>log</c> table).</summary>
public sealed record EventLogEntry
{
    public long Id { get; init; }

    public long Dttm { get; init; }

    public string Event { get; init; } = "";

    public string? DagId { get; init; }

    public string? TaskId { get; init; }

    public string? RunId { get; init; }

    public string? Owner { get; init; }

    public string? Extra { get; init; }
}
