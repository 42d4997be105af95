using System.Text.Json.Nodes;
using Updraft.Core.States;
using Updraft.Server.RestApi.V2;
using Updraft.Storage.Stores;

namespace Updraft.Server.RestApi.V1;

/// <summary>Airflow 2.10's shapes (<c>/api/v1</c>) of the same records: <c>execution_date</c> beside <c>logical_date</c>, Airflow 2's field sets.</summary>
internal static class V1Shapes
{
    public static object Dag(DagRecord record, IReadOnlyList<string> tags, IReadOnlySet<string> filesWithErrors) => new
    {
        dag_id = record.DagId,
        dag_display_name = record.DagId,
        root_dag_id = (string?)null,
        is_paused = (bool?)record.IsPaused,
        is_active = (bool?)record.IsActive,
        is_subdag = false,
        last_parsed_time = V2.V2.Time(record.LastParsedTime),
        last_pickled = (DateTimeOffset?)null,
        last_expired = (DateTimeOffset?)null,
        scheduler_lock = (bool?)null,
        pickle_id = (string?)null,
        default_view = "grid",
        fileloc = record.Fileloc,
        file_token = FileTokens.Write(record.Fileloc),
        owners = record.Owners.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        description = record.Description,
        schedule_interval = record.TimetableSummary is "None" or "" ? null : new { __type = "CronExpression", value = record.TimetableSummary },
        timetable_description = (string?)null,
        tags = tags.Select(t => new { name = t }).ToList(),
        max_active_tasks = (int?)record.MaxActiveTasks,
        max_active_runs = (int?)record.MaxActiveRuns,
        max_consecutive_failed_dag_runs = (int?)0,
        has_task_concurrency_limits = (bool?)record.HasTaskConcurrencyLimits,
        has_import_errors = (bool?)filesWithErrors.Contains(record.Fileloc),
        next_dagrun = V2.V2.Time(record.NextDagrun),
        next_dagrun_data_interval_start = V2.V2.Time(record.NextDagrunDataIntervalStart),
        next_dagrun_data_interval_end = V2.V2.Time(record.NextDagrunDataIntervalEnd),
        next_dagrun_create_after = V2.V2.Time(record.NextDagrunCreateAfter),
    };

    /// <summary>Airflow 2's <c>DAGDetail</c>: the DAG's fields and those of its latest serialized version.</summary>
    public static JsonObject Details(DagRecord record, Core.Serialization.SerializedDag dag, IReadOnlyList<string> tags, IReadOnlySet<string> filesWithErrors)
    {
        var node = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Dag(record, tags, filesWithErrors), ApiJson.Options))!.AsObject();
        var parameters = DagShapes.Params(dag);
        foreach (var (_, param) in parameters)
        {
            param!["__class"] = "airflow.models.param.Param";
        }

        var extra = new
        {
            timezone = dag.Timezone,
            catchup = (bool?)dag.Catchup,
            orientation = "LR",
            concurrency = (double?)record.MaxActiveTasks,
            start_date = dag.StartDate,
            dag_run_timeout = (DagShapes.TimeDelta?)null,
            dataset_expression = (JsonObject?)null,
            doc_md = dag.DocMd,
            default_view = "grid",
            @params = parameters,
            end_date = dag.EndDate,
            is_paused_upon_creation = (bool?)dag.IsPausedUponCreation,
            last_parsed = V2.V2.Time(record.LastParsedTime),
            template_search_path = (string[]?)null,
            render_template_as_native_obj = (bool?)false,
        };
        foreach (var (key, value) in JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(extra, ApiJson.Options))!.AsObject())
        {
            node[key] = value?.DeepClone();
        }

        return node;
    }

    /// <summary>Airflow 2's <c>Task</c>.</summary>
    public static object Task(Core.Serialization.SerializedDag dag, Core.Serialization.SerializedTask task) => new
    {
        class_ref = new { module_path = "updraft", class_name = task.Operator },
        task_id = task.TaskId,
        task_display_name = task.TaskId,
        owner = task.Owner,
        start_date = dag.StartDate,
        end_date = dag.EndDate,
        trigger_rule = Core.TriggerRules.TriggerRuleNames.ToWireName(task.TriggerRule),
        extra_links = Array.Empty<object>(),
        depends_on_past = false,
        is_mapped = false,
        wait_for_downstream = false,
        retries = (double)task.Retries,
        queue = task.Queue,
        executor = task.Executor,
        pool = task.Pool,
        pool_slots = (double)task.PoolSlots,
        execution_timeout = DagShapes.TimeDelta.From(task.ExecutionTimeout),
        retry_delay = DagShapes.TimeDelta.From(task.RetryDelay),
        retry_exponential_backoff = task.RetryExponentialBackoff,
        priority_weight = (double)task.PriorityWeight,
        weight_rule = task.WeightRule.ToString().ToLowerInvariant(),
        ui_color = "#fff",
        ui_fgcolor = "#000",
        template_fields = task.TemplateFields.Keys.ToList(),
        downstream_task_ids = task.DownstreamTaskIds,
        doc_md = task.DocMd,
    };

    /// <summary>Airflow 2's <c>TaskInstanceReference</c>.</summary>
    public static object Reference(TaskInstanceKey key, DagRunRecord? run) => new
    {
        task_id = key.TaskId,
        dag_id = key.DagId,
        execution_date = run is null ? null : (DateTimeOffset?)V2.V2.Time(run.LogicalDate),
        dag_run_id = key.RunId,
    };

    public static object Run(DagRunRecord run) => new
    {
        dag_run_id = run.RunId,
        dag_id = run.DagId,
        logical_date = (DateTimeOffset?)V2.V2.Time(run.LogicalDate),
        execution_date = (DateTimeOffset?)V2.V2.Time(run.LogicalDate),
        start_date = V2.V2.Time(run.StartDate),
        end_date = V2.V2.Time(run.EndDate),
        data_interval_start = (DateTimeOffset?)V2.V2.Time(run.DataIntervalStart),
        data_interval_end = (DateTimeOffset?)V2.V2.Time(run.DataIntervalEnd),
        last_scheduling_decision = (DateTimeOffset?)null,
        run_type = run.RunType,
        state = run.State.ToWireName(),
        external_trigger = run.RunType == "manual",
        conf = JsonNode.Parse(run.Conf) as JsonObject,
        note = run.Note,
    };

    /// <summary>A task instance; only the single-instance route reads its <paramref name="renderedFields"/> (lists keep them empty).</summary>
    public static object TaskInstance(TaskInstanceRecord ti, DagRunRecord? run, IReadOnlyDictionary<string, string>? renderedFields = null) => new
    {
        task_id = ti.TaskId,
        task_display_name = ti.TaskId,
        dag_id = ti.DagId,
        dag_run_id = ti.RunId,
        execution_date = run is null ? null : (DateTimeOffset?)V2.V2.Time(run.LogicalDate),
        start_date = V2.V2.Time(ti.StartDate),
        end_date = V2.V2.Time(ti.EndDate),
        duration = ti.Duration,
        state = RunShapes.State(ti.State),
        try_number = ti.TryNumber,
        map_index = ti.MapIndex,
        max_tries = ti.MaxTries,
        hostname = ti.Hostname ?? "",
        unixname = "",
        pool = ti.Pool,
        pool_slots = ti.PoolSlots,
        queue = ti.Queue,
        priority_weight = (int?)ti.PriorityWeight,
        @operator = ti.Operator,
        queued_when = V2.V2.Time(ti.QueuedDttm)?.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
        pid = ti.Pid,
        executor = ti.Executor,
        executor_config = "{}",
        sla_miss = (object?)null,
        rendered_map_index = ti.MapIndex >= 0 ? ti.MapIndex.ToString(System.Globalization.CultureInfo.InvariantCulture) : null,
        rendered_fields = RunShapes.Rendered(renderedFields),
        trigger = (object?)null,
        triggerer_job = (object?)null,
        note = ti.Note,
    };
}
