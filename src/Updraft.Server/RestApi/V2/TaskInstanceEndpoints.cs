using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.States;
using Updraft.Scheduling.Logging;
using Updraft.Scheduling.Operations;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V2;

/// <summary>Task instances: list (per run, across runs and DAGs with <c>~</c>, batch), get, tries, mark state, clear, logs.</summary>
internal static class TaskInstanceEndpoints
{
    private const string Base = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances";

    public static void MapTaskInstances(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet(Base, async (string dag_id, string dag_run_id, HttpContext context, TaskInstanceService service, IDagRunStore runs, IDagStore dags) =>
        {
            if (dag_id != "~" && dag_run_id != "~")
            {
                await DagRunEndpoints.GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            }

            var q = new ApiQuery(context.Request);
            var query = new TaskInstanceQuery
            {
                DagIds = V2.DagFilter(context, dag_id),
                RunIds = dag_run_id == "~" ? null : [dag_run_id],
                TaskIds = q.StringsOrNull("task_id"),
                States = q.StringsOrNull("state")?.Select(s => ParseState(s, ["query", "state"])).ToList(),
                Pools = q.StringsOrNull("pool"),
                Queues = q.StringsOrNull("queue"),
                Executors = q.StringsOrNull("executor"),
                Page = q.Page(settings.MaximumPageLimit, "map_index"),
            };
            return V2.Json(await ListAsync(service, runs, dags, query, context.RequestAborted));
        }).Query("limit:integer", "offset:integer", "order_by:array", "task_id:array", "state:array", "pool:array", "queue:array", "executor:array").Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapPost("/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/list", async (string dag_id, string dag_run_id, HttpContext context, TaskInstanceService service, IDagRunStore runs, IDagStore dags) =>
        {
            var body = await ApiBody.ReadAsync<BatchBody>(context.Request, context.RequestAborted);
            if (body.PageLimit < 0 || body.PageOffset < 0)
            {
                throw ApiException.Invalid(["body", body.PageLimit < 0 ? "page_limit" : "page_offset"], "Input should be greater than or equal to 0", "greater_than_equal");
            }

            var query = new TaskInstanceQuery
            {
                DagIds = V2.Intersect(V2.DagFilter(context, dag_id), body.DagIds),
                RunIds = dag_run_id == "~" ? body.DagRunIds : [dag_run_id],
                TaskIds = body.TaskIds,
                States = body.State?.Select(s => s is null ? TaskInstanceState.None : ParseState(s, ["body", "state"])).ToList(),
                Pools = body.Pool,
                Queues = body.Queue,
                Executors = body.Executor,
                Page = new PageRequest
                {
                    Limit = Math.Min(body.PageLimit, settings.MaximumPageLimit),
                    Offset = body.PageOffset,
                    OrderBy = body.OrderBy is { } order ? [.. order.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)] : [],
                },
            };
            return V2.Json(await ListAsync(service, runs, dags, query, context.RequestAborted));
        }).Accepts<BatchBody>("application/json").Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet(Base + "/{task_id}", (string dag_id, string dag_run_id, string task_id, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, RenderedFieldsStore rendered) =>
            GetAsync(new TaskInstanceKey(dag_id, dag_run_id, task_id), tis, runs, dags, rendered, context.RequestAborted))
            .Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet(Base + "/{task_id}/{map_index:int}", (string dag_id, string dag_run_id, string task_id, int map_index, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, RenderedFieldsStore rendered) =>
            GetAsync(new TaskInstanceKey(dag_id, dag_run_id, task_id, map_index), tis, runs, dags, rendered, context.RequestAborted))
            .Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet(Base + "/{task_id}/tries", async (string dag_id, string dag_run_id, string task_id, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags) =>
        {
            var key = new TaskInstanceKey(dag_id, dag_run_id, task_id, new ApiQuery(context.Request).Int("map_index") ?? -1);
            var (ti, run) = await FindAsync(key, tis, runs, dags, context.RequestAborted);
            var version = await DagRunEndpoints.VersionAsync(dags, dag_id, run.DagVersion, context.RequestAborted);
            var tries = (await tis.TriesAsync(key, context.RequestAborted)).Select(t => RunShapes.Try(ti, t, version)).ToList();
            return V2.Json(new { task_instances = tries, total_entries = tries.Count });
        }).Query("map_index:integer").Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet(Base + "/{task_id}/tries/{task_try_number:int}", async (string dag_id, string dag_run_id, string task_id, int task_try_number, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags) =>
        {
            var key = new TaskInstanceKey(dag_id, dag_run_id, task_id, new ApiQuery(context.Request).Int("map_index") ?? -1);
            var (ti, run) = await FindAsync(key, tis, runs, dags, context.RequestAborted);
            var attempt = (await tis.TriesAsync(key, context.RequestAborted)).FirstOrDefault(t => t.TryNumber == task_try_number)
                ?? throw ApiException.NotFound($"The Task Instance with dag_id: `{dag_id}`, run_id: `{dag_run_id}`, task_id: `{task_id}`, try_number: `{task_try_number}` and map_index: `{key.MapIndex}` was not found");
            return V2.Json(RunShapes.Try(ti, attempt, await DagRunEndpoints.VersionAsync(dags, dag_id, run.DagVersion, context.RequestAborted)));
        }).Query("map_index:integer").Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet(Base + "/{task_id}/dependencies", (string dag_id, string dag_run_id, string task_id, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, PoolStore pools, TimeProvider time) =>
            DependenciesAsync(new TaskInstanceKey(dag_id, dag_run_id, task_id), context, tis, runs, dags, pools, time))
            .Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet(Base + "/{task_id}/{map_index:int}/dependencies", (string dag_id, string dag_run_id, string task_id, int map_index, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, PoolStore pools, TimeProvider time) =>
            DependenciesAsync(new TaskInstanceKey(dag_id, dag_run_id, task_id, map_index), context, tis, runs, dags, pools, time))
            .Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapPatch(Base + "/{task_id}", (string dag_id, string dag_run_id, string task_id, HttpContext context, TaskInstanceService service, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags) =>
            PatchAsync(new TaskInstanceKey(dag_id, dag_run_id, task_id, new ApiQuery(context.Request).Int("map_index") ?? -1), dryRun: false, context, service, tis, runs, dags)).Accepts<PatchBody>("application/json")
            .Query("update_mask:array", "map_index:integer").Requires(Edit, TaskInstances, DagScope.DagEntity);

        api.MapPatch(Base + "/{task_id}/dry_run", (string dag_id, string dag_run_id, string task_id, HttpContext context, TaskInstanceService service, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags) =>
            PatchAsync(new TaskInstanceKey(dag_id, dag_run_id, task_id, new ApiQuery(context.Request).Int("map_index") ?? -1), dryRun: true, context, service, tis, runs, dags)).Accepts<PatchBody>("application/json")
            .Query("update_mask:array", "map_index:integer").Requires(Edit, TaskInstances, DagScope.DagEntity);

        api.MapPost("/dags/{dag_id}/clearTaskInstances", async (string dag_id, HttpContext context, TaskInstanceService service, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags) =>
        {
            var body = await ApiBody.ReadAsync<ClearBody>(context.Request, context.RequestAborted);
            var selection = await ClearSelectionAsync(dag_id, body.DagRunId, body.StartDate, body.EndDate, body.IncludeFuture, body.IncludePast, runs, dags, context.RequestAborted);
            var result = await service.ClearAsync(
                selection with
                {
                    TaskIds = body.TaskIds,
                    OnlyRunning = body.OnlyRunning,
                    IncludeDownstream = body.IncludeDownstream,
                    IncludeUpstream = body.IncludeUpstream,
                    OnlyFailed = body.OnlyFailed,
                    RunOnLatestVersion = body.RunOnLatestVersion,
                    DryRun = body.DryRun,
                },
                DagEndpoints.Actor(context),
                context.RequestAborted);
            var rows = new List<object>();
            foreach (var key in result.Selected)
            {
                rows.Add(await ShapeAsync(key, tis, runs, dags, context.RequestAborted));
            }

            return V2.Json(new { task_instances = rows, total_entries = rows.Count });
        }).Accepts<ClearBody>("application/json").Requires(Edit, TaskInstances, DagScope.DagEntity);

        api.MapGet(Base + "/{task_id}/logs/{try_number:int}", (string dag_id, string dag_run_id, string task_id, int try_number, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags) =>
            LogAsync(new TaskInstanceKey(dag_id, dag_run_id, task_id, new ApiQuery(context.Request).Int("map_index") ?? -1), try_number, context, tis, runs, dags, settings, textContent: false))
            .Query("token", "map_index:integer").Requires(Read, TaskLogs, DagScope.DagEntity);
    }

    /// <summary>
    /// Airflow's clear selection by run and dates (also on <c>/api/v1</c>): a run with include_future / include_past
    /// widens to the DAG's runs after / before its logical date.
    /// </summary>
    internal static async Task<ClearRequest> ClearSelectionAsync(
        string dagId, string? runId, DateTimeOffset? start, DateTimeOffset? end, bool future, bool past, IDagRunStore runs, IDagStore dags, CancellationToken cancellationToken)
    {
        if (runId is { } id && (future || past))
        {
            var date = V2.Time((await DagRunEndpoints.GetRunAsync(runs, dags, dagId, id, cancellationToken)).LogicalDate);
            (runId, start, end) = (null, date, date);
        }

        return new ClearRequest(dagId) { RunId = runId, StartDate = past ? null : start, EndDate = future ? null : end };
    }

    /// <summary>A try's log (<see cref="TaskLogReader"/>); <paramref name="textContent"/>: Airflow 2's JSON, the content as one text.</summary>
    internal static async Task<IResult> LogAsync(TaskInstanceKey key, int tryNumber, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, RestApiSettings settings, bool textContent)
    {
        var (ti, _) = await FindAsync(key, tis, runs, dags, context.RequestAborted);
        if (tryNumber < 1 || tryNumber > Math.Max(ti.TryNumber, 1))
        {
            throw ApiException.NotFound($"The task instance {key.TaskId} of run {key.RunId} has no try {tryNumber}.");
        }

        var finished = tryNumber < ti.TryNumber || ti.State.IsFinished() || ti.State is TaskInstanceState.UpForRetry or TaskInstanceState.None;
        var path = settings.LogFolder is { } folder ? TaskLogPaths.For(folder, key, tryNumber) : null;
        return await TaskLogReader.ReadAsync(context, path, new ApiQuery(context.Request).String("token"), finished, textContent);
    }

    public sealed record BatchBody(
        IReadOnlyList<string>? DagIds = null,
        IReadOnlyList<string>? DagRunIds = null,
        IReadOnlyList<string>? TaskIds = null,
        IReadOnlyList<string?>? State = null,
        IReadOnlyList<string>? Pool = null,
        IReadOnlyList<string>? Queue = null,
        IReadOnlyList<string>? Executor = null,
        int PageOffset = 0,
        int PageLimit = 100,
        string? OrderBy = null);

    public sealed record ClearBody(
        bool DryRun = true,
        DateTimeOffset? StartDate = null,
        DateTimeOffset? EndDate = null,
        bool OnlyFailed = true,
        bool OnlyRunning = false,
        bool ResetDagRuns = true,
        IReadOnlyList<string>? TaskIds = null,
        string? DagRunId = null,
        bool IncludeUpstream = false,
        bool IncludeDownstream = false,
        bool IncludeFuture = false,
        bool IncludePast = false,
        bool RunOnLatestVersion = false);

    public sealed record PatchBody(
        string? NewState = null,
        string? Note = null,
        bool IncludeUpstream = false,
        bool IncludeDownstream = false,
        bool IncludeFuture = false,
        bool IncludePast = false);

    public static TaskInstanceState ParseState(string name, IReadOnlyList<object> loc) =>
        StateNames.TryParseTaskState(name, out var state)
            ? state
            : throw ApiException.Invalid(loc, $"Invalid value for state. Valid values are {string.Join(", ", Enum.GetValues<TaskInstanceState>().Select(s => s.ToWireName()))}", "enum", name);

    private static async Task<IResult> PatchAsync(TaskInstanceKey key, bool dryRun, HttpContext context, TaskInstanceService service, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags)
    {
        var body = await ApiBody.ReadAsync<PatchBody>(context.Request, context.RequestAborted);
        var (_, run) = await FindAsync(key, tis, runs, dags, context.RequestAborted);
        var mask = new ApiQuery(context.Request).Strings("update_mask");
        if (mask.FirstOrDefault(m => m is not ("new_state" or "note")) is { } unknown)
        {
            throw ApiException.BadRequest($"Invalid update_mask field: {unknown}");
        }

        // With update_mask, exactly the fields it names; without, the fields the body gives.
        V2.Note(body.Note);
        var setsNote = mask.Count == 0 ? body.Note is not null : mask.Contains("note");
        var setsState = mask.Count == 0 ? body.NewState is not null || !setsNote : mask.Contains("new_state");
        if (!setsState && setsNote && !dryRun)
        {
            // Only the note: Airflow answers with the one task instance.
            var noted = await service.SetNoteAsync(key, body.Note, DagEndpoints.Actor(context), context.RequestAborted);
            var noteVersion = await DagRunEndpoints.VersionAsync(dags, key.DagId, run.DagVersion, context.RequestAborted);
            return V2.Json(new { task_instances = new[] { RunShapes.TaskInstance(noted, run, noteVersion) }, total_entries = 1 });
        }

        var state = body.NewState switch
        {
            null => throw ApiException.Invalid(["body", "new_state"], "Field required", "missing"),
            "success" => TaskInstanceState.Success,
            "failed" => TaskInstanceState.Failed,
            "skipped" => TaskInstanceState.Skipped,
            var other => throw ApiException.Invalid(["body", "new_state"], "Input should be 'success', 'failed' or 'skipped'", "enum", other),
        };
        var changed = await service.MarkAsync(key, state, body.IncludeUpstream, body.IncludeDownstream, body.IncludeFuture, body.IncludePast, dryRun, DagEndpoints.Actor(context), context.RequestAborted);
        if (setsNote && !dryRun)
        {
            await service.SetNoteAsync(key, body.Note, DagEndpoints.Actor(context), context.RequestAborted);
            changed = [.. await Task.WhenAll(changed.Select(async ti => ti.Key == key ? await tis.GetAsync(key, context.RequestAborted) ?? ti : ti))];
        }

        var version = await DagRunEndpoints.VersionAsync(dags, key.DagId, run.DagVersion, context.RequestAborted);
        var rows = changed.Select(ti => RunShapes.TaskInstance(ti, run, version)).ToList();
        return V2.Json(new { task_instances = rows, total_entries = rows.Count });
    }

    private static async Task<IResult> DependenciesAsync(TaskInstanceKey key, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, PoolStore pools, TimeProvider time)
    {
        var (ti, run) = await FindAsync(key, tis, runs, dags, context.RequestAborted);
        return V2.Json(new { dependencies = await TaskDependencies.ExplainAsync(ti, run, dags, tis, pools, time, context.RequestAborted) });
    }

    private static async Task<IResult> GetAsync(TaskInstanceKey key, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, RenderedFieldsStore rendered, CancellationToken cancellationToken)
    {
        var (ti, run) = await FindAsync(key, tis, runs, dags, cancellationToken);
        var version = await DagRunEndpoints.VersionAsync(dags, key.DagId, run.DagVersion, cancellationToken);
        return V2.Json(RunShapes.TaskInstance(ti, run, version, await rendered.GetAsync(key, cancellationToken)));
    }

    private static async Task<object> ShapeAsync(TaskInstanceKey key, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, CancellationToken cancellationToken)
    {
        var (ti, run) = await FindAsync(key, tis, runs, dags, cancellationToken);
        return RunShapes.TaskInstance(ti, run, await DagRunEndpoints.VersionAsync(dags, key.DagId, run.DagVersion, cancellationToken));
    }

    private static async Task<(TaskInstanceRecord Ti, DagRunRecord Run)> FindAsync(TaskInstanceKey key, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, CancellationToken cancellationToken)
    {
        var run = await DagRunEndpoints.GetRunAsync(runs, dags, key.DagId, key.RunId, cancellationToken);
        var ti = await tis.GetAsync(key, cancellationToken)
            ?? throw ApiException.NotFound($"The Task Instance with dag_id: `{key.DagId}`, run_id: `{key.RunId}`, task_id: `{key.TaskId}` and map_index: `{key.MapIndex}` was not found");
        return (ti, run);
    }

    private static async Task<object> ListAsync(TaskInstanceService service, IDagRunStore runs, IDagStore dags, TaskInstanceQuery query, CancellationToken cancellationToken)
    {
        var page = await service.ListAsync(query, cancellationToken);

        // The page's runs and DAG versions in two queries, whatever the page holds.
        var dagIds = page.Items.Select(t => t.DagId).Distinct(StringComparer.Ordinal).ToList();
        var runIds = page.Items.Select(t => t.RunId).Distinct(StringComparer.Ordinal).ToList();
        var pageRuns = dagIds.Count == 0
            ? []
            : (await runs.QueryAsync(new DagRunQuery { DagIds = dagIds, RunIds = runIds, Page = new PageRequest { Limit = int.MaxValue } }, cancellationToken)).Items;
        var byRun = pageRuns.ToDictionary(r => (r.DagId, r.RunId));
        var versions = (await dags.VersionsAsync(dagIds, cancellationToken)).ToDictionary(v => (v.DagId, v.Version), v => DagShapes.Version(v.DagId, v.Version, v.CreatedAt));
        var items = page.Items.Select(ti =>
        {
            var run = byRun.GetValueOrDefault((ti.DagId, ti.RunId));
            return RunShapes.TaskInstance(ti, run, run is null ? null : versions.GetValueOrDefault((ti.DagId, run.DagVersion)));
        }).ToList();
        return new { task_instances = items, total_entries = page.TotalEntries };
    }
}
