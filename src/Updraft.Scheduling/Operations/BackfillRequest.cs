using System.Text.Json.Nodes;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Operations;

/// <summary>
/// A backfill to create (Airflow's <c>BackfillPostBody</c>): the runs of <see cref="DagId"/>'s schedule whose logical
/// dates fall between <see cref="FromDate"/> and <see cref="ToDate"/>, both included, and whose intervals have ended.
/// </summary>
public sealed record BackfillRequest(string DagId, DateTimeOffset FromDate, DateTimeOffset ToDate)
{
    /// <summary>The conf every run gets; checked against the DAG's params.</summary>
    public JsonObject? DagRunConf { get; init; }

    public ReprocessBehavior ReprocessBehavior { get; init; } = ReprocessBehavior.None;

    /// <summary>How many of the backfill's runs may run at once, apart from the DAG's own <c>max_active_runs</c>.</summary>
    public int MaxActiveRuns { get; init; } = 10;

    /// <summary>Newest interval first.</summary>
    public bool RunBackwards { get; init; }
}
