using System.Text.Json.Nodes;
using Updraft.Core.Dags;
using Updraft.Core.Timetables;

namespace Updraft.Core.Runtime;

/// <summary>What a task knows about the DAG run it belongs to.</summary>
public sealed record DagRunContext(string DagId, string RunId, DagRunType RunType, DateTimeOffset LogicalDate, DataInterval DataInterval)
{
    public JsonObject Conf { get; init; } = [];

    public ResolvedParams Params { get; init; } = ResolvedParams.Empty;

    /// <summary>The DAG's timetable in the run's version, as the scheduler resolved it (for latest-only checks); null when unknown.</summary>
    public ScheduleSpec? Timetable { get; init; }

    /// <summary>For an asset-triggered run: the asset events it was created from, oldest first (Airflow's <c>triggering_asset_events</c>).</summary>
    public IReadOnlyList<Assets.TriggeringAssetEvent> TriggeringAssetEvents { get; init; } = [];
}
