using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.States;
using Updraft.Scheduling.Operations;
using Updraft.Server.RestApi.V2;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V1;

/// <summary>
/// The rest of Airflow 2's <c>/api/v1</c> that Updraft serves: DAG details and tasks, clearing and marking task
/// instances, clearing a run, notes, logs, the batch lists, DAG sources, warnings, reparsing and connection tests —
/// over the same services as <c>/api/v2</c>, in Airflow 2.10's shapes.
/// </summary>
internal static class V1TaskEndpoints
{
    public sealed record ClearTaskInstancesBody(
        bool DryRun = true,
        IReadOnlyList<string>? TaskIds = null,
        DateTimeOffset? StartDate = null,
        DateTimeOffset? EndDate = null,
        bool OnlyFailed = true,
        bool OnlyRunning = false,
        bool IncludeSubdags = false,
        bool IncludeParentdag = false,
        bool ResetDagRuns = false,
        string? DagRunId = null,
        bool IncludeUpstream = false,
        bool IncludeDownstream = false,
        bool IncludeFuture = false,
        bool IncludePast = false);

    public sealed record UpdateStateBody(
        string? TaskId = null,
        string? NewState = null,
        bool DryRun = true,
        DateTimeOffset? ExecutionDate = null,
        string? DagRunId = null,
        bool IncludeUpstream = false,
        bool IncludeDownstream = false,
        bool IncludeFuture = false,
        bool IncludePast = false);

    public sealed record NoteBody(string Note);

    public sealed record RunsListBody(
        string? OrderBy = null,
        int PageOffset = 0,
        int PageLimit = 100,
        IReadOnlyList<string>? DagIds = null,
        IReadOnlyList<string>? States = null,
        DateTimeOffset? ExecutionDateGte = null,
        DateTimeOffset? ExecutionDateLte = null,
        DateTimeOffset? StartDateGte = null,
        DateTimeOffset? StartDateLte = null,
        DateTimeOffset? EndDateGte = null,
        DateTimeOffset? EndDateLte = null);

    public sealed record TaskInstancesListBody(
        IReadOnlyList<string>? DagIds = null,
        IReadOnlyList<string>? DagRunIds = null,
        IReadOnlyList<string>? TaskIds = null,
        DateTimeOffset? ExecutionDateGte = null,
        DateTimeOffset? ExecutionDateLte = null,
        DateTimeOffset? StartDateGte = null,
        DateTimeOffset? StartDateLte = null,
        DateTimeOffset? EndDateGte = null,
        DateTimeOffset? EndDateLte = null,
        double? DurationGte = null,
        double? DurationLte = null,
        IReadOnlyList<string?>? State = null,
        IReadOnlyList<string>? Pool = null,
        IReadOnlyList<string>? Queue = null,
        IReadOnlyList<string>? Executor = null);

    private const string TaskInstance = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}";

    public static void MapV1Tasks(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/dags/{dag_id}/details", async (string dag_id, HttpContext context, DagService service, IDagStore dags) =>
        {
            var record = await service.GetAsync(dag_id, context.RequestAborted);
            var (dag, _) = await dags.GetSerializedAsync(dag_id, null, context.RequestAborted) ?? throw OperationException.DagNotFound(dag_id);
            var tags = await dags.TagsAsync([dag_id], context.RequestAborted);
            return V2.V2.Json(V1Shapes.Details(record, dag, tags.TryGetValue(dag_id, out var t) ? t : [], await DagEndpoints.FilesWithErrorsAsync(dags, context.RequestAborted)));
        }).Requires(Read, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapGet("/dags/{dag_id}/tasks", async (string dag_id, HttpContext context, IDagStore dags) =>
        {
            var (dag, _) = await dags.GetSerializedAsync(dag_id, null, context.RequestAborted) ?? throw OperationException.DagNotFound(dag_id);
            var order = new ApiQuery(context.Request).String("order_by") ?? "task_id";
            var tasks = order.TrimStart('-') switch
            {
                "task_id" => dag.Tasks.OrderBy(t => t.TaskId, StringComparer.Ordinal).ToList(),
                var other => throw ApiException.BadRequest($"Ordering with '{other}' is disallowed or the attribute does not exist on the model"),
            };
            if (order.StartsWith('-'))
            {
                tasks.Reverse();
            }

            return V2.V2.Json(new { tasks = tasks.Select(t => V1Shapes.Task(dag, t)).ToList() });
        }).Query("order_by").Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet("/dags/{dag_id}/tasks/{task_id}", async (string dag_id, string task_id, HttpContext context, IDagStore dags) =>
        {
            var (dag, _) = await dags.GetSerializedAsync(dag_id, null, context.RequestAborted) ?? throw OperationException.DagNotFound(dag_id);
            var task = dag.Tasks.FirstOrDefault(t => t.TaskId == task_id) ?? throw ApiException.NotFound($"Task with id {task_id} was not found");
            return V2.V2.Json(V1Shapes.Task(dag, task));
        }).Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapPost("/dags/{dag_id}/clearTaskInstances", async (string dag_id, HttpContext context, TaskInstanceService service, IDagRunStore runs, IDagStore dags) =>
        {
            var body = await ApiBody.ReadAsync<ClearTaskInstancesBody>(context.Request, context.RequestAborted);
            var selection = await TaskInstanceEndpoints.ClearSelectionAsync(dag_id, body.DagRunId, body.StartDate, body.EndDate, body.IncludeFuture, body.IncludePast, runs, dags, context.RequestAborted);
            var result = await service.ClearAsync(
                selection with
                {
                    TaskIds = body.TaskIds,
                    OnlyFailed = body.OnlyFailed,
                    OnlyRunning = body.OnlyRunning,
                    IncludeUpstream = body.IncludeUpstream,
                    IncludeDownstream = body.IncludeDownstream,
                    DryRun = body.DryRun,
                },
                DagEndpoints.Actor(context),
                context.RequestAborted);
            return V2.V2.Json(new { task_instances = await ReferencesAsync(result.Selected, runs, context.RequestAborted) });
        }).Accepts<ClearTaskInstancesBody>("application/json").Requires(Edit, TaskInstances, DagScope.DagEntity);

        api.MapPost("/dags/{dag_id}/updateTaskInstancesState", async (string dag_id, HttpContext context, TaskInstanceService service, DagRunService runService, IDagRunStore runs) =>
        {
            var body = await ApiBody.ReadAsync<UpdateStateBody>(context.Request, context.RequestAborted);
            var state = body.NewState switch
            {
                "success" => TaskInstanceState.Success,
                "failed" => TaskInstanceState.Failed,
                "skipped" => TaskInstanceState.Skipped,
                _ => throw ApiException.BadRequest($"'{body.NewState}' is not one of ['success', 'failed', 'skipped'] - 'new_state'"),
            };
            if (body.TaskId is null || (body.DagRunId is null) == (body.ExecutionDate is null))
            {
                throw ApiException.BadRequest("Give task_id, and either dag_run_id or execution_date (not both).");
            }

            var runId = body.DagRunId ?? (await runService.FindAsync(dag_id, Core.Runtime.Iso.Format(body.ExecutionDate!.Value), context.RequestAborted)).RunId;
            var changed = await service.MarkAsync(
                new TaskInstanceKey(dag_id, runId, body.TaskId), state, body.IncludeUpstream, body.IncludeDownstream, body.IncludeFuture, body.IncludePast, body.DryRun, DagEndpoints.Actor(context), context.RequestAborted);
            return V2.V2.Json(new { task_instances = await ReferencesAsync([.. changed.Select(t => t.Key)], runs, context.RequestAborted) });
        }).Accepts<UpdateStateBody>("application/json").Requires(Edit, TaskInstances, DagScope.DagEntity);

        api.MapPost("/dags/{dag_id}/dagRuns/{dag_run_id}/clear", async (string dag_id, string dag_run_id, HttpContext context, TaskInstanceService service, IDagRunStore runs, IDagStore dags, ITaskInstanceStore tis) =>
        {
            var body = await ApiBody.ReadAsync<V1Endpoints.ClearBody>(context.Request, context.RequestAborted);
            var run = await DagRunEndpoints.GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            var result = await service.ClearAsync(new ClearRequest(dag_id) { RunId = run.RunId, DryRun = body.DryRun }, DagEndpoints.Actor(context), context.RequestAborted);
            if (!body.DryRun)
            {
                return V2.V2.Json(V1Shapes.Run(await DagRunEndpoints.GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted)));
            }

            var rows = new List<object>();
            foreach (var key in result.Selected)
            {
                if (await tis.GetAsync(key, context.RequestAborted) is { } ti)
                {
                    rows.Add(V1Shapes.TaskInstance(ti, run));
                }
            }

            return V2.V2.Json(new { task_instances = rows, total_entries = rows.Count });
        }).Accepts<V1Endpoints.ClearBody>("application/json").Requires(Edit, DagRuns, DagScope.DagEntity);

        api.MapPatch("/dags/{dag_id}/dagRuns/{dag_run_id}/setNote", async (string dag_id, string dag_run_id, HttpContext context, DagRunService service) =>
        {
            var body = await ApiBody.ReadAsync<NoteBody>(context.Request, context.RequestAborted);
            return V2.V2.Json(V1Shapes.Run(await service.SetNoteAsync(dag_id, dag_run_id, body.Note, DagEndpoints.Actor(context), context.RequestAborted)));
        }).Accepts<NoteBody>("application/json").Requires(Edit, DagRuns, DagScope.DagEntity);

        api.MapPatch(TaskInstance + "/setNote", async (string dag_id, string dag_run_id, string task_id, HttpContext context, TaskInstanceService service, IDagRunStore runs, IDagStore dags) =>
        {
            var body = await ApiBody.ReadAsync<NoteBody>(context.Request, context.RequestAborted);
            var run = await DagRunEndpoints.GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            return V2.V2.Json(V1Shapes.TaskInstance(await service.SetNoteAsync(new TaskInstanceKey(dag_id, dag_run_id, task_id), body.Note, DagEndpoints.Actor(context), context.RequestAborted), run));
        }).Accepts<NoteBody>("application/json").Requires(Edit, TaskInstances, DagScope.DagEntity);

        api.MapGet(TaskInstance + "/logs/{task_try_number:int}", (string dag_id, string dag_run_id, string task_id, int task_try_number, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags) =>
            TaskInstanceEndpoints.LogAsync(new TaskInstanceKey(dag_id, dag_run_id, task_id, new ApiQuery(context.Request).Int("map_index") ?? -1), task_try_number, context, tis, runs, dags, settings, textContent: true))
            .Query("token", "map_index:integer").Requires(Read, TaskLogs, DagScope.DagEntity);

        api.MapPost("/dags/~/dagRuns/list", async (HttpContext context, DagRunService service) =>
        {
            var body = await ApiBody.ReadAsync<RunsListBody>(context.Request, context.RequestAborted);
            Unsupported(("end_date_gte", body.EndDateGte), ("end_date_lte", body.EndDateLte));
            if (body.PageLimit < 1 || body.PageOffset < 0)
            {
                throw ApiException.BadRequest(body.PageLimit < 1 ? "page_limit must be 1 or more" : "page_offset must be 0 or more");
            }

            var page = await service.ListAsync(
                new DagRunQuery
                {
                    DagIds = V2.V2.Intersect(V2.V2.DagFilter(context, null), body.DagIds),
                    States = body.States?.Select(DagRunEndpoints.ParseRunState).ToList(),
                    LogicalDateGte = body.ExecutionDateGte,
                    LogicalDateLte = body.ExecutionDateLte,
                    StartDateGte = body.StartDateGte,
                    StartDateLte = body.StartDateLte,
                    Page = new PageRequest
                    {
                        Limit = Math.Min(body.PageLimit, settings.MaximumPageLimit),
                        Offset = body.PageOffset,
                        OrderBy = body.OrderBy is { } order ? [order.Replace("execution_date", "logical_date", StringComparison.Ordinal)] : ["id"],
                    },
                },
                context.RequestAborted);
            return V2.V2.Json(new { dag_runs = page.Items.Select(V1Shapes.Run).ToList(), total_entries = page.TotalEntries });
        }).Accepts<RunsListBody>("application/json").Requires(Read, DagRuns, DagScope.DagEntity);

        api.MapPost("/dags/~/dagRuns/~/taskInstances/list", async (HttpContext context, TaskInstanceService service, IDagRunStore runs) =>
        {
            var body = await ApiBody.ReadAsync<TaskInstancesListBody>(context.Request, context.RequestAborted);
            Unsupported(("execution_date_gte", body.ExecutionDateGte), ("execution_date_lte", body.ExecutionDateLte), ("start_date_gte", body.StartDateGte),
                ("start_date_lte", body.StartDateLte), ("end_date_gte", body.EndDateGte), ("end_date_lte", body.EndDateLte), ("duration_gte", body.DurationGte), ("duration_lte", body.DurationLte));
            var page = await service.ListAsync(
                new TaskInstanceQuery
                {
                    DagIds = V2.V2.Intersect(V2.V2.DagFilter(context, null), body.DagIds),
                    RunIds = body.DagRunIds,
                    TaskIds = body.TaskIds,
                    States = body.State?.Select(s => s is null ? TaskInstanceState.None : TaskInstanceEndpoints.ParseState(s, ["body", "state"])).ToList(),
                    Pools = body.Pool,
                    Queues = body.Queue,
                    Executors = body.Executor,
                    Page = new PageRequest { Limit = Math.Min(100, settings.MaximumPageLimit) },
                },
                context.RequestAborted);
            var items = new List<object>();
            var cache = new Dictionary<(string, string), DagRunRecord?>();
            foreach (var ti in page.Items)
            {
                if (!cache.TryGetValue((ti.DagId, ti.RunId), out var run))
                {
                    cache[(ti.DagId, ti.RunId)] = run = await runs.GetAsync(ti.DagId, ti.RunId, context.RequestAborted);
                }

                items.Add(V1Shapes.TaskInstance(ti, run));
            }

            return V2.V2.Json(new { task_instances = items, total_entries = page.TotalEntries });
        }).Accepts<TaskInstancesListBody>("application/json").Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet("/dagSources/{file_token}", async (string file_token, HttpContext context, IDagStore dags) =>
        {
            var fileloc = FileTokens.Read(file_token) ?? throw ApiException.NotFound("The file token does not name a DAG file.");
            var readable = (await dags.ListAsync(activeOnly: false, context.RequestAborted)).Where(d => d.Fileloc == fileloc && context.Caller().CanReadDag(d.DagId)).ToList();
            if (readable.Count == 0 || !File.Exists(fileloc))
            {
                throw ApiException.NotFound("The file token does not name a DAG file you may read.");
            }

            var content = await File.ReadAllTextAsync(fileloc, context.RequestAborted);
            var accept = context.Request.Headers.Accept.ToString();
            return accept.Contains("text/plain", StringComparison.OrdinalIgnoreCase) && !accept.Contains("application/json", StringComparison.OrdinalIgnoreCase)
                ? Results.Text(content, "text/plain")
                : V2.V2.Json(new { content });
        }).Requires(Read, DagCode);

        api.MapGet("/dagWarnings", async (HttpContext context, DagWarningStore warnings) =>
        {
            var q = new ApiQuery(context.Request);
            var page = await warnings.QueryAsync(V2.V2.DagFilter(context, q.String("dag_id")), q.String("warning_type"), q.Page(settings.MaximumPageLimit), context.RequestAborted);
            var rows = page.Items.Select(w => new { dag_id = w.DagId, warning_type = w.WarningType, message = w.Message, timestamp = V2.V2.Time(w.Timestamp) }).ToList();
            return V2.V2.Json(new { dag_warnings = rows, total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "dag_id", "warning_type").Requires(Read, DagWarnings, DagScope.DagEntity);

        api.MapPut("/parseDagFile/{file_token}", (string file_token, HttpContext context, IDagStore dags, DagParsingRequestStore requests, TimeProvider time) =>
            DagEndpoints.ReparseAsync(file_token, context, dags, requests, time))
            .Requires(Edit, Storage.Security.Permissions.Dags, DagScope.Dag).Audited("reparse_dag_file");

        api.MapPost("/connections/test", (HttpContext context, SecretStore secrets) => AdminEndpoints.TestConnectionAsync(context, secrets, settings))
            .Accepts<AdminEndpoints.ConnectionBody>("application/json").Requires(Create, Connections).Audited("connection.test");
    }

    /// <summary>A filter Airflow 2 has and this server does not apply yet: refused, never silently ignored.</summary>
    private static void Unsupported(params (string Name, object? Value)[] filters)
    {
        if (filters.FirstOrDefault(f => f.Value is not null) is { Name: { } name })
        {
            throw ApiException.BadRequest($"The filter '{name}' is not supported by this server yet; filter without it.");
        }
    }

    private static async Task<List<object>> ReferencesAsync(IReadOnlyList<TaskInstanceKey> keys, IDagRunStore runs, CancellationToken cancellationToken)
    {
        var cache = new Dictionary<(string, string), DagRunRecord?>();
        var rows = new List<object>();
        foreach (var key in keys)
        {
            if (!cache.TryGetValue((key.DagId, key.RunId), out var run))
            {
                cache[(key.DagId, key.RunId)] = run = await runs.GetAsync(key.DagId, key.RunId, cancellationToken);
            }

            rows.Add(V1Shapes.Reference(key, run));
        }

        return rows;
    }
}
