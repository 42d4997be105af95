using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Scheduling.Operations;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V2;

/// <summary>
/// <c>/api/v2/backfills</c>: list, create (and dry run), get, pause, unpause, cancel — Airflow 3's backfills, run by the
/// scheduler. A backfill belongs to its DAG: the caller needs the action on backfills and on that DAG.
/// </summary>
internal static class BackfillEndpoints
{
    public sealed record BackfillBody(
        string DagId,
        DateTimeOffset FromDate,
        DateTimeOffset ToDate,
        bool RunBackwards = false,
        JsonObject? DagRunConf = null,
        string ReprocessBehavior = "none",
        int MaxActiveRuns = 10);

    public static void MapBackfills(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/backfills", async (HttpContext context, BackfillService service) =>
        {
            var q = new ApiQuery(context.Request);
            var page = await service.ListAsync(V2.DagFilter(context, q.String("dag_id")), q.Page(settings.MaximumPageLimit, "id"), context.RequestAborted);
            return V2.Json(new { backfills = page.Items.Select(Shape).ToList(), total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "dag_id").Requires(Read, Backfills, DagScope.DagEntity);

        api.MapPost("/backfills", async (HttpContext context, BackfillService service) =>
        {
            var request = await ReadAsync(context);
            var created = await service.CreateAsync(request, DagEndpoints.Actor(context), context.RequestAborted);
            return V2.Json(Shape(created.Backfill));
        }).Accepts<BackfillBody>("application/json").Requires(Create, Backfills, DagScope.DagEntity);

        api.MapPost("/backfills/dry_run", async (HttpContext context, BackfillService service) =>
        {
            var request = await ReadAsync(context);
            var dates = await service.DryRunAsync(request, context.RequestAborted);
            return V2.Json(new { backfills = dates.Select(d => new { logical_date = d }).ToList(), total_entries = dates.Count });
        }).Accepts<BackfillBody>("application/json").Requires(Create, Backfills, DagScope.DagEntity);

        api.MapGet("/backfills/{backfill_id}", async (string backfill_id, HttpContext context, BackfillService service) =>
            V2.Json(Shape(await FindAsync(context, service, backfill_id)))).Requires(Read, Backfills, DagScope.DagEntity);

        api.MapPut("/backfills/{backfill_id}/pause", async (string backfill_id, HttpContext context, BackfillService service) =>
        {
            var backfill = await FindAsync(context, service, backfill_id);
            return V2.Json(Shape(await service.SetPausedAsync(backfill.Id, true, DagEndpoints.Actor(context), context.RequestAborted)));
        }).Requires(Edit, Backfills, DagScope.DagEntity);

        api.MapPut("/backfills/{backfill_id}/unpause", async (string backfill_id, HttpContext context, BackfillService service) =>
        {
            var backfill = await FindAsync(context, service, backfill_id);
            return V2.Json(Shape(await service.SetPausedAsync(backfill.Id, false, DagEndpoints.Actor(context), context.RequestAborted)));
        }).Requires(Edit, Backfills, DagScope.DagEntity);

        api.MapPut("/backfills/{backfill_id}/cancel", async (string backfill_id, HttpContext context, BackfillService service) =>
        {
            var backfill = await FindAsync(context, service, backfill_id);
            return V2.Json(Shape(await service.CancelAsync(backfill.Id, DagEndpoints.Actor(context), context.RequestAborted)));
        }).Requires(Edit, Backfills, DagScope.DagEntity);
    }

    private static async Task<BackfillRequest> ReadAsync(HttpContext context)
    {
        var body = await ApiBody.ReadAsync<BackfillBody>(context.Request, context.RequestAborted);
        if (!ReprocessBehaviors.TryParse(body.ReprocessBehavior, out var behavior))
        {
            throw ApiException.Invalid(["body", "reprocess_behavior"], "Input should be 'failed', 'completed' or 'none'", "enum", body.ReprocessBehavior);
        }

        context.RequireOnDag(body.DagId);
        return new BackfillRequest(body.DagId, body.FromDate, body.ToDate)
        {
            RunBackwards = body.RunBackwards,
            DagRunConf = body.DagRunConf,
            ReprocessBehavior = behavior,
            MaxActiveRuns = body.MaxActiveRuns,
        };
    }

    /// <summary>The backfill of the path, once the caller may act on its DAG (a backfill of a DAG they cannot read is 404 to them).</summary>
    private static async Task<BackfillRecord> FindAsync(HttpContext context, BackfillService service, string text)
    {
        if (!long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var id))
        {
            throw ApiException.Invalid(["path", "backfill_id"], "Input should be a valid integer, unable to parse string as an integer", "int_parsing", text);
        }

        var backfill = await service.GetAsync(id, context.RequestAborted);
        if (!context.Caller().CanReadDag(backfill.DagId))
        {
            throw ApiException.NotFound($"Could not find backfill with id {id}");
        }

        context.RequireOnDag(backfill.DagId);
        return backfill;
    }

    private static object Shape(BackfillRecord b) => new
    {
        id = b.Id,
        dag_id = b.DagId,
        from_date = V2.Time(b.FromDate),
        to_date = V2.Time(b.ToDate),
        dag_run_conf = JsonNode.Parse(b.DagRunConf) as JsonObject ?? [],
        is_paused = b.IsPaused,
        reprocess_behavior = b.ReprocessBehavior.ToWireName(),
        max_active_runs = b.MaxActiveRuns,
        created_at = V2.Time(b.CreatedAt),
        completed_at = V2.Time(b.CompletedAt),
        updated_at = V2.Time(b.UpdatedAt),
        dag_display_name = b.DagId,
    };
}
