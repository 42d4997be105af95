using System.Text.Json.Nodes;
using Updraft.Core.Serialization;
using Updraft.Core.Timetables;

namespace Updraft.Storage.Stores;

/// <summary>
/// A backfill to create, worked out from the DAG and the runs that exist (<see cref="BackfillStore.CreateAsync"/>
/// carries it out in one transaction and checks again what may have changed since).
/// </summary>
public sealed record BackfillPlan(
    SerializedDag Dag,
    int DagVersion,
    DateTimeOffset FromDate,
    DateTimeOffset ToDate,
    JsonObject? DagRunConf,
    ReprocessBehavior ReprocessBehavior,
    int MaxActiveRuns,
    bool RunBackwards,
    string? TriggeringUserName,
    IReadOnlyList<BackfillPlanItem> Items);

/// <summary>
/// One interval, in the backfill's order: a new run (<see cref="Reprocess"/> null and no <see cref="Skip"/>), an
/// existing finished run to clear and take over, or an interval left alone for <see cref="Skip"/>.
/// </summary>
public sealed record BackfillPlanItem(DagRunInfo Info, string RunId)
{
    /// <summary>The existing run to reprocess, with the task instances to clear and their retries.</summary>
    public (long RunId, IReadOnlyList<(TaskInstanceKey Key, int Retries)> Clear)? Reprocess { get; init; }

    /// <summary>Why no run is made for this interval (<see cref="BackfillExceptionReason"/>).</summary>
    public string? Skip { get; init; }
}

/// <summary>A DAG already has a backfill that has not completed: Airflow allows one at a time.</summary>
public sealed class BackfillActiveException(string dagId)
    : Exception($"Another backfill is running for DAG '{dagId}'. There can be only one running backfill per DAG.")
{
    public string DagId { get; } = dagId;
}
