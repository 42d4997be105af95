using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.States;
using Updraft.Scheduling.Operations;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V2;

/// <summary><c>/api/v2/dags/{dag_id}/dagRuns</c>: list (also across DAGs with <c>~</c> and the batch route), get, trigger, clear.</summary>
internal static class DagRunEndpoints
{
    public static void MapDagRuns(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/dags/{dag_id}/dagRuns", async (string dag_id, HttpContext context, DagRunService service, IDagStore dags) =>
        {
            if (dag_id != "~")
            {
                await RequireDagAsync(dags, dag_id, context.RequestAborted);
            }

            var q = new ApiQuery(context.Request);
            var query = new DagRunQuery
            {
                DagIds = V2.DagFilter(context, dag_id),
                States = q.StringsOrNull("state")?.Select(ParseRunState).ToList(),
                RunTypes = q.StringsOrNull("run_type")?.Select(RunShapes.StoredRunType).ToList(),
                LogicalDateGte = q.Date("logical_date_gte"),
                LogicalDateLte = q.Date("logical_date_lte"),
                StartDateGte = q.Date("start_date_gte"),
                StartDateLte = q.Date("start_date_lte"),
                Page = q.Page(settings.MaximumPageLimit, "id"),
            };
            return V2.Json(await ListAsync(service, dags, query, context.RequestAborted));
        }).Query("limit:integer", "offset:integer", "order_by:array", "state:array", "run_type:array", "logical_date_gte:date-time", "logical_date_lte:date-time", "start_date_gte:date-time", "start_date_lte:date-time").Requires(Read, DagRuns, DagScope.DagEntity);

        api.MapPost("/dags/{dag_id}/dagRuns/list", async (string dag_id, HttpContext context, DagRunService service, IDagStore dags) =>
        {
            if (dag_id != "~")
            {
                throw ApiException.BadRequest("The batch route lists runs across DAGs: use ~ as the DAG id and dag_ids in the body.");
            }

            var body = await ApiBody.ReadAsync<RunsBatchBody>(context.Request, context.RequestAborted);
            if (body.PageLimit < 0 || body.PageOffset < 0)
            {
                throw ApiException.Invalid(["body", body.PageLimit < 0 ? "page_limit" : "page_offset"], "Input should be greater than or equal to 0", "greater_than_equal");
            }

            var query = new DagRunQuery
            {
                DagIds = V2.Intersect(V2.DagFilter(context, null), body.DagIds),
                States = body.States?.Select(s => s is null ? throw ApiException.Invalid(["body", "states"], "Input should be a run state", "enum") : ParseRunState(s)).ToList(),
                LogicalDateGte = body.LogicalDateGte,
                LogicalDateLte = body.LogicalDateLte,
                StartDateGte = body.StartDateGte,
                StartDateLte = body.StartDateLte,
                Page = new PageRequest
                {
                    Limit = Math.Min(body.PageLimit, settings.MaximumPageLimit),
                    Offset = body.PageOffset,
                    OrderBy = body.OrderBy is { } order ? [.. order.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)] : ["id"],
                },
            };
            return V2.Json(await ListAsync(service, dags, query, context.RequestAborted));
        }).Accepts<RunsBatchBody>("application/json").Requires(Read, DagRuns, DagScope.DagEntity);

        api.MapGet("/dags/{dag_id}/dagRuns/{dag_run_id}", async (string dag_id, string dag_run_id, HttpContext context, IDagRunStore runs, IDagStore dags) =>
        {
            var run = await GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            return V2.Json(RunShapes.Run(run, await VersionAsync(dags, run.DagId, run.DagVersion, context.RequestAborted)));
        }).Requires(Read, DagRuns, DagScope.DagEntity);

        api.MapPost("/dags/{dag_id}/dagRuns", async (string dag_id, HttpContext context, DagRunService service, IDagStore dags) =>
        {
            var body = await ApiBody.ReadAsync<TriggerBody>(context.Request, context.RequestAborted);
            if (body.DagRunId is { } id && !System.Text.RegularExpressions.Regex.IsMatch(id, "^[A-Za-z0-9_.~:+-]+$"))
            {
                throw ApiException.BadRequest($"The run_id provided '{id}' does not match regex pattern '^[A-Za-z0-9_.~:+-]+$'");
            }

            var run = await service.TriggerAsync(
                new TriggerRequest(dag_id) { RunId = body.DagRunId, LogicalDate = body.LogicalDate, Conf = body.Conf, Note = V2.Note(body.Note) },
                DagEndpoints.Actor(context),
                context.RequestAborted);
            return V2.Json(RunShapes.Run(run, await VersionAsync(dags, run.DagId, run.DagVersion, context.RequestAborted)));
        }).Accepts<TriggerBody>("application/json").Requires(Create, DagRuns, DagScope.DagEntity);

        api.MapPatch("/dags/{dag_id}/dagRuns/{dag_run_id}", async (string dag_id, string dag_run_id, HttpContext context, DagRunService service, IDagRunStore runs, IDagStore dags) =>
        {
            var body = await ApiBody.ReadAsync<RunPatchBody>(context.Request, context.RequestAborted);
            var mask = new ApiQuery(context.Request).Strings("update_mask");
            if (mask.FirstOrDefault(m => m is not ("state" or "note")) is { } unknown)
            {
                throw ApiException.BadRequest($"Invalid update_mask field: {unknown}");
            }

            var run = await GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            // With update_mask, exactly the fields it names; without, the fields the body gives.
            if ((mask.Count == 0 ? body.State : mask.Contains("state") ? body.State ?? throw ApiException.Invalid(["body", "state"], "Field required", "missing") : null) is { } text)
            {
                var state = text switch
                {
                    "queued" => DagRunState.Queued,
                    "success" => DagRunState.Success,
                    "failed" => DagRunState.Failed,
                    _ => throw ApiException.Invalid(["body", "state"], "Input should be 'queued', 'success' or 'failed'", "enum", text),
                };
                run = await service.SetStateAsync(dag_id, dag_run_id, state, DagEndpoints.Actor(context), context.RequestAborted);
            }

            // A note is set when given, and removed when the mask names it with no value.
            if (mask.Count == 0 ? body.Note is not null : mask.Contains("note"))
            {
                run = await service.SetNoteAsync(dag_id, dag_run_id, V2.Note(body.Note), DagEndpoints.Actor(context), context.RequestAborted);
            }

            return V2.Json(RunShapes.Run(run, await VersionAsync(dags, dag_id, run.DagVersion, context.RequestAborted)));
        }).Accepts<RunPatchBody>("application/json").Query("update_mask:array").Requires(Edit, DagRuns, DagScope.DagEntity);

        api.MapDelete("/dags/{dag_id}/dagRuns/{dag_run_id}", async (string dag_id, string dag_run_id, HttpContext context, DagRunService service) =>
        {
            await service.DeleteAsync(dag_id, dag_run_id, DagEndpoints.Actor(context), context.RequestAborted);
            return Results.NoContent();
        }).Requires(Delete, DagRuns, DagScope.DagEntity);

        api.MapGet("/dags/{dag_id}/dagRuns/{dag_run_id}/wait", async (string dag_id, string dag_run_id, HttpContext context, IDagRunStore runs, IDagStore dags, DatabaseXComStore xcoms, TimeProvider time) =>
        {
            var q = new ApiQuery(context.Request);
            var interval = q.String("interval") is { } text
                ? double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var seconds) && seconds is > 0 and <= 3600
                    ? TimeSpan.FromSeconds(seconds)
                    : throw ApiException.Invalid(["query", "interval"], "Input should be a number of seconds greater than 0 and at most 3600", "greater_than", text)
                : throw ApiException.Invalid(["query", "interval"], "Field required", "missing");
            var results = q.Strings("result");
            var run = await GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);

            // Newline-delimited JSON, one line per check, until the run has finished (Airflow 3's wait route).
            context.Response.ContentType = "application/x-ndjson";
            while (true)
            {
                var finished = run.State is DagRunState.Success or DagRunState.Failed;
                var line = new JsonObject { ["state"] = run.State.ToWireName() };
                if (finished && results.Count > 0)
                {
                    var values = new JsonObject();
                    foreach (var task in results)
                    {
                        var page = await xcoms.QueryAsync([dag_id], dag_run_id, task, null, Core.Runtime.XComKey.ReturnValue, new PageRequest { Limit = 1 }, context.RequestAborted);
                        values[task] = page.Items.Count > 0 ? V2.JsonOrText(page.Items[0].Value) : null;
                    }

                    line["results"] = values;
                }

                await context.Response.WriteAsync(line.ToJsonString() + "\n", context.RequestAborted);
                await context.Response.Body.FlushAsync(context.RequestAborted);
                if (finished)
                {
                    return Results.Empty;
                }

                await Task.Delay(interval, time, context.RequestAborted);
                run = await GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            }
        }).Query("interval", "result:array").Requires(Read, DagRuns, DagScope.DagEntity);

        api.MapPost("/dags/{dag_id}/dagRuns/{dag_run_id}/clear", async (string dag_id, string dag_run_id, HttpContext context, IDagRunStore runs, IDagStore dags, TaskInstanceService tasks, ITaskInstanceStore taskInstances) =>
        {
            var body = await ApiBody.ReadAsync<RunClearBody>(context.Request, context.RequestAborted);
            var run = await GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            var result = await tasks.ClearAsync(
                new ClearRequest(dag_id) { RunId = run.RunId, OnlyFailed = body.OnlyFailed, RunOnLatestVersion = body.RunOnLatestVersion, DryRun = body.DryRun },
                DagEndpoints.Actor(context),
                context.RequestAborted);
            if (body.DryRun)
            {
                var version = await VersionAsync(dags, dag_id, run.DagVersion, context.RequestAborted);
                var rows = new List<object>();
                foreach (var key in result.Selected)
                {
                    if (await taskInstances.GetAsync(key, context.RequestAborted) is { } ti)
                    {
                        rows.Add(RunShapes.TaskInstance(ti, run, version));
                    }
                }

                return V2.Json(new { task_instances = rows, total_entries = rows.Count });
            }

            var after = await GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            return V2.Json(RunShapes.Run(after, await VersionAsync(dags, dag_id, after.DagVersion, context.RequestAborted)));
        }).Accepts<RunClearBody>("application/json").Requires(Edit, DagRuns, DagScope.DagEntity);
    }

    public sealed record RunPatchBody(string? State = null, string? Note = null);

    public sealed record TriggerBody(
        string? DagRunId = null,
        DateTimeOffset? DataIntervalStart = null,
        DateTimeOffset? DataIntervalEnd = null,
        DateTimeOffset? LogicalDate = null,
        DateTimeOffset? RunAfter = null,
        JsonObject? Conf = null,
        string? Note = null);

    public sealed record RunClearBody(bool DryRun = true, bool OnlyFailed = false, bool RunOnLatestVersion = false);

    public sealed record RunsBatchBody(
        string? OrderBy = null,
        int PageOffset = 0,
        int PageLimit = 100,
        IReadOnlyList<string>? DagIds = null,
        IReadOnlyList<string?>? States = null,
        DateTimeOffset? LogicalDateGte = null,
        DateTimeOffset? LogicalDateLte = null,
        DateTimeOffset? StartDateGte = null,
        DateTimeOffset? StartDateLte = null);

    public static DagRunState ParseRunState(string name) => name switch
    {
        "queued" => DagRunState.Queued,
        "running" => DagRunState.Running,
        "success" => DagRunState.Success,
        "failed" => DagRunState.Failed,
        _ => throw ApiException.Invalid(["query", "state"], $"Invalid value for state. Valid values are queued, running, success, failed", "enum", name),
    };

    public static async Task<DagRunRecord> GetRunAsync(IDagRunStore runs, IDagStore dags, string dagId, string runId, CancellationToken cancellationToken)
    {
        if (await runs.GetAsync(dagId, runId, cancellationToken) is { } run)
        {
            return run;
        }

        await RequireDagAsync(dags, dagId, cancellationToken);
        throw ApiException.NotFound($"The DagRun with dag_id: `{dagId}` and run_id: `{runId}` was not found");
    }

    public static async Task RequireDagAsync(IDagStore dags, string dagId, CancellationToken cancellationToken)
    {
        if (await dags.GetAsync(dagId, cancellationToken) is null)
        {
            throw ApiException.NotFound($"The Dag with ID: `{dagId}` was not found");
        }
    }

    public static async Task<DagShapes.DagVersion?> VersionAsync(IDagStore dags, string dagId, int version, CancellationToken cancellationToken) =>
        (await dags.VersionsAsync(dagId, cancellationToken)).Where(v => v.Version == version).Select(v => DagShapes.Version(dagId, v.Version, v.CreatedAt)).FirstOrDefault();

    private static async Task<object> ListAsync(DagRunService service, IDagStore dags, DagRunQuery query, CancellationToken cancellationToken)
    {
        var page = await service.ListAsync(query, cancellationToken);
        var versions = (await dags.VersionsAsync([.. page.Items.Select(r => r.DagId).Distinct(StringComparer.Ordinal)], cancellationToken))
            .ToDictionary(v => (v.DagId, v.Version), v => DagShapes.Version(v.DagId, v.Version, v.CreatedAt));
        return new { dag_runs = page.Items.Select(r => RunShapes.Run(r, versions.GetValueOrDefault((r.DagId, r.DagVersion)))).ToList(), total_entries = page.TotalEntries };
    }
}
