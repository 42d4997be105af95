using Updraft.Core.States;

namespace Updraft.Storage.Queries;

/// <summary>Which DAG runs to list; every filter left null matches all.</summary>
public sealed record DagRunQuery
{
    /// <summary>Only these DAGs' runs.</summary>
    public IReadOnlyCollection<string>? DagIds { get; init; }

    /// <summary>Only runs with these run ids.</summary>
    public IReadOnlyCollection<string>? RunIds { get; init; }

    /// <summary>Only runs in these states.</summary>
    public IReadOnlyCollection<DagRunState>? States { get; init; }

    /// <summary>Only runs of these types (manual, scheduled, backfill, dataset_triggered).</summary>
    public IReadOnlyCollection<string>? RunTypes { get; init; }

    /// <summary>Only runs with a logical date on or after this.</summary>
    public DateTimeOffset? LogicalDateGte { get; init; }

    /// <summary>Only runs with a logical date on or before this.</summary>
    public DateTimeOffset? LogicalDateLte { get; init; }

    /// <summary>Only runs that started on or after this.</summary>
    public DateTimeOffset? StartDateGte { get; init; }

    /// <summary>Only runs that started on or before this.</summary>
    public DateTimeOffset? StartDateLte { get; init; }

    /// <summary>Sortable by dag_id, run_id, logical_date, start_date, end_date, state, run_type, queued_at; newest logical date first by default.</summary>
    public PageRequest Page { get; init; } = new();
}
