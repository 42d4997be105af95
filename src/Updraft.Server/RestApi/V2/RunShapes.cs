using System.Text.Json.Nodes;
using Updraft.Core.States;
using Updraft.Storage.Stores;

namespace Updraft.Server.RestApi.V2;

/// <summary>The run and task instance shapes of Airflow 3's REST API (<c>DAGRunResponse</c>, <c>TaskInstanceResponse</c>, …).</summary>
internal static class RunShapes
{
    /// <summary>Airflow 3's name of a run type (Airflow 2's dataset-triggered runs are asset-triggered).</summary>
    public static string RunType(string stored) => stored == "dataset_triggered" ? "asset_triggered" : stored;

    public static string StoredRunType(string apiName) => apiName == "asset_triggered" ? "dataset_triggered" : apiName;

    public static object Run(DagRunRecord run, DagShapes.DagVersion? version) => new
    {
        dag_run_id = run.RunId,
        dag_id = run.DagId,
        logical_date = (DateTimeOffset?)V2.Time(run.LogicalDate),
        queued_at = (DateTimeOffset?)V2.Time(run.QueuedAt),
        start_date = V2.Time(run.StartDate),
        end_date = V2.Time(run.EndDate),
        duration = run.StartDate is { } s && run.EndDate is { } e ? (double?)((e - s) / 1_000_000.0) : null,
        data_interval_start = (DateTimeOffset?)V2.Time(run.DataIntervalStart),
        data_interval_end = (DateTimeOffset?)V2.Time(run.DataIntervalEnd),
        run_after = V2.Time(run.RunAfter),
        last_scheduling_decision = (DateTimeOffset?)null,
        run_type = RunType(run.RunType),
        state = run.State.ToWireName(),
        triggered_by = run.RunType switch
        {
            "scheduled" => "timetable",
            "backfill" => "backfill",
            "dataset_triggered" => "asset",
            _ => (string?)null,
        },
        triggering_user_name = (string?)null,
        conf = JsonNode.Parse(run.Conf) as JsonObject,
        note = run.Note,
        dag_versions = version is null ? [] : new[] { version },
        bundle_version = (string?)null,
        dag_display_name = run.DagId,
    };

    public static string? State(TaskInstanceState state) => state == TaskInstanceState.None ? null : state.ToWireName();

    /// <summary>
    /// A task instance; <paramref name="renderedFields"/> are its stored rendered template fields, which only the
    /// single-instance routes read (Airflow returns them there): lists keep <c>rendered_fields</c> empty rather than
    /// read them once per row.
    /// </summary>
    public static object TaskInstance(TaskInstanceRecord ti, DagRunRecord? run, DagShapes.DagVersion? version, IReadOnlyDictionary<string, string>? renderedFields = null) => new
    {
        id = V2.StableGuid($"{ti.DagId}\n{ti.RunId}\n{ti.TaskId}\n{ti.MapIndex}").ToString(),
        task_id = ti.TaskId,
        dag_id = ti.DagId,
        dag_run_id = ti.RunId,
        map_index = ti.MapIndex,
        logical_date = run is null ? null : (DateTimeOffset?)V2.Time(run.LogicalDate),
        run_after = V2.Time(run?.RunAfter ?? 0),
        start_date = V2.Time(ti.StartDate),
        end_date = V2.Time(ti.EndDate),
        duration = ti.Duration,
        state = State(ti.State),
        try_number = ti.TryNumber,
        max_tries = ti.MaxTries,
        task_display_name = ti.TaskId,
        dag_display_name = ti.DagId,
        hostname = ti.Hostname,
        unixname = (string?)null,
        pool = ti.Pool,
        pool_slots = ti.PoolSlots,
        queue = ti.Queue,
        priority_weight = (int?)ti.PriorityWeight,
        @operator = ti.Operator,
        operator_name = ti.Operator,
        queued_when = V2.Time(ti.QueuedDttm),
        scheduled_when = (DateTimeOffset?)null,
        pid = ti.Pid,
        executor = ti.Executor,
        executor_config = "{}",
        note = ti.Note,
        rendered_map_index = ti.MapIndex >= 0 ? ti.MapIndex.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
        rendered_fields = Rendered(renderedFields),
        trigger = (object?)null,
        triggerer_job = (object?)null,
        dag_version = version,
    };

    /// <summary>The <c>rendered_fields</c> object: field name to rendered value, in the order the task rendered them.</summary>
    public static JsonObject Rendered(IReadOnlyDictionary<string, string>? fields)
    {
        var json = new JsonObject();
        foreach (var (name, value) in fields ?? new Dictionary<string, string>())
        {
            json[name] = value;
        }

        return json;
    }

    public static object Try(TaskInstanceRecord ti, TaskInstanceTry attempt, DagShapes.DagVersion? version) => new
    {
        task_id = ti.TaskId,
        dag_id = ti.DagId,
        dag_run_id = ti.RunId,
        map_index = ti.MapIndex,
        start_date = V2.Time(attempt.StartDate),
        end_date = V2.Time(attempt.EndDate),
        duration = attempt.Duration,
        state = State(attempt.State),
        try_number = attempt.TryNumber,
        max_tries = ti.MaxTries,
        task_display_name = ti.TaskId,
        dag_display_name = ti.DagId,
        hostname = attempt.Hostname,
        unixname = (string?)null,
        pool = ti.Pool,
        pool_slots = ti.PoolSlots,
        queue = ti.Queue,
        priority_weight = (int?)ti.PriorityWeight,
        @operator = ti.Operator,
        operator_name = ti.Operator,
        queued_when = (DateTimeOffset?)null,
        scheduled_when = (DateTimeOffset?)null,
        pid = attempt.Pid,
        executor = attempt.Executor,
        executor_config = "{}",
        dag_version = version,
    };
}
