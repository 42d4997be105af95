using System.Text.Json.Nodes;
using Updraft.Core.Serialization;
using Updraft.Core.TriggerRules;
using Updraft.Storage.Stores;

namespace Updraft.Server.RestApi.V2;

/// <summary>The DAG shapes of Airflow 3's REST API (<c>DAGResponse</c>, <c>DAGDetailsResponse</c>, <c>TaskResponse</c>, …).</summary>
internal static class DagShapes
{
    public sealed record DagTag(string Name, string DagId, string DagDisplayName);

    public sealed record DagVersion(Guid Id, int VersionNumber, string DagId, string? BundleName, string? BundleVersion, DateTimeOffset CreatedAt, string DagDisplayName, string? BundleUrl);

    public sealed record TimeDelta(int Days, int Seconds, int Microseconds)
    {
        [System.Text.Json.Serialization.JsonPropertyName("__type")]
        public string Type { get; } = "TimeDelta";

        public static TimeDelta? From(TimeSpan? span) => span is { } s ? new((int)s.TotalDays, (int)(s.Ticks % TimeSpan.TicksPerDay / TimeSpan.TicksPerSecond), (int)(s.Ticks % TimeSpan.TicksPerSecond / 10)) : null;
    }

    public static object Dag(DagRecord record, IReadOnlyList<string> tags, IReadOnlySet<string> filesWithErrors) => new
    {
        dag_id = record.DagId,
        dag_display_name = record.DagId,
        is_paused = record.IsPaused,
        is_stale = !record.IsActive,
        last_parsed_time = V2.Time(record.LastParsedTime),
        last_expired = (DateTimeOffset?)null,
        bundle_name = (string?)null,
        bundle_version = (string?)null,
        relative_fileloc = Path.GetFileName(record.Fileloc),
        fileloc = record.Fileloc,
        description = record.Description,
        timetable_summary = record.TimetableSummary,
        timetable_description = (string?)null,
        tags = tags.Select(t => new DagTag(t, record.DagId, record.DagId)).ToList(),
        max_active_tasks = record.MaxActiveTasks,
        max_active_runs = (int?)record.MaxActiveRuns,
        max_consecutive_failed_dag_runs = 0,
        has_task_concurrency_limits = record.HasTaskConcurrencyLimits,
        has_import_errors = filesWithErrors.Contains(record.Fileloc),
        next_dagrun_logical_date = V2.Time(record.NextDagrun),
        next_dagrun_data_interval_start = V2.Time(record.NextDagrunDataIntervalStart),
        next_dagrun_data_interval_end = V2.Time(record.NextDagrunDataIntervalEnd),
        next_dagrun_run_after = V2.Time(record.NextDagrunCreateAfter),
        owners = record.Owners.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
        file_token = FileTokens.Write(record.Fileloc),
    };

    public static object Details(DagRecord record, SerializedDag dag, int version, DateTimeOffset versionCreated, IReadOnlySet<string> filesWithErrors)
    {
        var node = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(Dag(record, dag.Tags, filesWithErrors), ApiJson.Options))!.AsObject();
        var extra = new
        {
            catchup = dag.Catchup,
            dag_run_timeout = (string?)null,
            asset_expression = (JsonObject?)dag.AssetExpression?.DeepClone(),
            doc_md = dag.DocMd,
            start_date = dag.StartDate,
            end_date = dag.EndDate,
            is_paused_upon_creation = (bool?)dag.IsPausedUponCreation,
            @params = Params(dag),
            render_template_as_native_obj = false,
            template_search_path = (string[]?)null,
            timezone = dag.Timezone,
            last_parsed = V2.Time(record.LastParsedTime),
            default_args = (JsonObject?)null,
            owner_links = (JsonObject?)null,
            concurrency = record.MaxActiveTasks,
            latest_dag_version = Version(record.DagId, version, versionCreated),
        };
        foreach (var (key, value) in JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(extra, ApiJson.Options))!.AsObject())
        {
            node[key] = value?.DeepClone();
        }

        return node;
    }

    public static DagVersion Version(string dagId, int version, DateTimeOffset createdAt) =>
        new(V2.StableGuid($"{dagId}\n{version}"), version, dagId, null, null, createdAt, dagId, null);

    public static JsonObject Params(SerializedDag dag)
    {
        var result = new JsonObject();
        foreach (var (name, param) in dag.Params)
        {
            var entry = JsonNode.Parse(System.Text.Json.JsonSerializer.Serialize(param, Core.Serialization.DagSerializer.JsonOptions))!.AsObject();
            result[name] = new JsonObject
            {
                ["__class"] = "airflow.sdk.definitions.param.Param",
                ["value"] = param.HasDefault ? param.Default?.DeepClone() : null,
                ["description"] = param.Description,
                ["schema"] = entry.DeepClone(),
            };
        }

        return result;
    }

    public static object Task(SerializedDag dag, SerializedTask task) => new
    {
        task_id = task.TaskId,
        task_display_name = task.TaskId,
        owner = task.Owner,
        start_date = dag.StartDate,
        end_date = dag.EndDate,
        trigger_rule = task.TriggerRule.ToWireName(),
        depends_on_past = false,
        wait_for_downstream = false,
        retries = (double)task.Retries,
        queue = task.Queue,
        pool = task.Pool,
        pool_slots = (double)task.PoolSlots,
        execution_timeout = TimeDelta.From(task.ExecutionTimeout),
        retry_delay = TimeDelta.From(task.RetryDelay),
        retry_exponential_backoff = task.RetryExponentialBackoff,
        priority_weight = (double)task.PriorityWeight,
        weight_rule = task.WeightRule.ToString().ToLowerInvariant(),
        ui_color = (string?)null,
        ui_fgcolor = (string?)null,
        template_fields = task.TemplateFields.Keys.ToList(),
        downstream_task_ids = task.DownstreamTaskIds,
        doc_md = task.DocMd,
        operator_name = task.Operator,
        @params = (JsonObject?)null,
        class_ref = new { module_path = "updraft", class_name = task.Operator },
        is_mapped = (bool?)false,
        extra_links = Array.Empty<string>(),
    };
}
