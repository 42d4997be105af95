using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.States;
using Updraft.Scheduling.Operations;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V2;

/// <summary>
/// Assets and their events (Airflow 3's asset routes): list and get assets, list events, post an event from outside
/// (which starts the DAGs scheduled on the asset), the events a run consumed, and a DAG's queued assets.
/// </summary>
internal static class AssetEndpoints
{
    public static void MapAssets(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        // Declared before /assets/{asset_id}, as Airflow's: "events" is not an id.
        api.MapGet("/assets/events", async (HttpContext context, AssetStore assets, IDagStore dags) =>
        {
            var q = new ApiQuery(context.Request);
            var page = await assets.EventsAsync(
                new AssetEventQuery(q.Page(settings.MaximumPageLimit))
                {
                    AssetId = q.Int("asset_id"),
                    SourceDagId = q.String("source_dag_id"),
                    SourceTaskId = q.String("source_task_id"),
                    SourceRunId = q.String("source_run_id"),
                    SourceMapIndex = q.Int("source_map_index"),
                    TimestampGte = q.Date("timestamp_gte"),
                    TimestampLte = q.Date("timestamp_lte"),
                },
                context.RequestAborted);
            return V2.Json(new { asset_events = await EventsAsync(assets, page.Items, context.RequestAborted), total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "asset_id:integer", "source_dag_id", "source_task_id", "source_run_id", "source_map_index:integer", "timestamp_gte", "timestamp_lte")
            .Requires(Read, Assets);

        api.MapPost("/assets/events", async (HttpContext context, AssetStore assets, TimeProvider time, IServiceProvider services) =>
        {
            var body = await ApiBody.ReadAsync<EventBody>(context.Request, context.RequestAborted);
            var extra = body.Extra is { } given ? (JsonObject)given.DeepClone() : [];
            extra["from_rest_api"] = true;
            var recorded = await assets.RecordEventAsync(body.AssetId, extra, time.GetUtcNow(), context.RequestAborted)
                ?? throw ApiException.NotFound($"Asset with ID: `{body.AssetId}` was not found");

            // A scheduler in this process (standalone) looks at once; others on their next pass.
            (services.GetService(typeof(Scheduling.Scheduling.SchedulerEngine)) as Scheduling.Scheduling.SchedulerEngine)?.RequestPass();
            return V2.Json((await EventsAsync(assets, [recorded], context.RequestAborted))[0]);
        }).Accepts<EventBody>("application/json").Requires(Create, Assets).Audited("create_asset_event");

        api.MapGet("/assets/aliases", async (HttpContext context, AssetStore assets) =>
        {
            var q = new ApiQuery(context.Request);
            var page = await assets.AliasesAsync(q.Page(settings.MaximumPageLimit), q.String("name_pattern"), context.RequestAborted);
            return V2.Json(new { asset_aliases = page.Items.Select(Alias).ToList(), total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "name_pattern").Requires(Read, Assets);

        api.MapGet("/assets/aliases/{asset_alias_id}", async (string asset_alias_id, HttpContext context, AssetStore assets) =>
        {
            var id = PathId(asset_alias_id, "asset_alias_id");
            var alias = await assets.GetAliasAsync(id, context.RequestAborted) ?? throw ApiException.NotFound($"The Asset Alias with ID: `{id}` was not found");
            return V2.Json(Alias(alias));
        }).Requires(Read, Assets);

        api.MapGet("/assets/{asset_id}/queuedEvents", async (string asset_id, HttpContext context, AssetStore assets) =>
        {
            var id = PathId(asset_id, "asset_id");
            // As Airflow: only the queues of DAGs the caller may read.
            var queued = await assets.QueuedEventsAsync(id, null, new ApiQuery(context.Request).Date("before"), context.Caller().ReadableDags, context.RequestAborted);
            return queued.Count == 0
                ? throw ApiException.NotFound($"Queue event with asset_id: `{id}` was not found")
                : V2.Json(new { queued_events = queued.Select(Queued).ToList(), total_entries = queued.Count });
        }).Query("before").Requires(Read, Assets);

        api.MapDelete("/assets/{asset_id}/queuedEvents", async (string asset_id, HttpContext context, AssetStore assets) =>
        {
            var id = PathId(asset_id, "asset_id");
            return await assets.DeleteQueuedEventsAsync(id, null, new ApiQuery(context.Request).Date("before"), context.Caller().ReadableDags, context.RequestAborted) == 0
                ? throw ApiException.NotFound($"Queue event with asset_id: `{id}` was not found")
                : Results.NoContent();
        }).Query("before").Requires(Delete, Assets).Audited("delete_asset_queued_events");

        api.MapPost("/assets/{asset_id}/materialize", async (string asset_id, HttpContext context, AssetStore assets, DagRunService service, IDagStore dags) =>
        {
            // As Airflow 3.1: run the one DAG whose task updates the asset.
            var id = PathId(asset_id, "asset_id");
            _ = await assets.GetAsync(id, context.RequestAborted) ?? throw ApiException.NotFound($"The Asset with ID: `{id}` was not found");
            var producers = await assets.ProducingDagsAsync(id, context.RequestAborted);
            var dagId = producers.Count switch
            {
                0 => throw ApiException.NotFound($"No DAG materializes asset with ID: {id}"),
                1 => producers[0],
                _ => throw new ApiException(409, $"More than one DAG materializes asset with ID: {id}"),
            };
            context.RequireOnDag(dagId);
            var run = await service.TriggerAsync(new TriggerRequest(dagId), DagEndpoints.Actor(context), context.RequestAborted);
            return V2.Json(RunShapes.Run(run, await DagRunEndpoints.VersionAsync(dags, run.DagId, run.DagVersion, context.RequestAborted)));
        }).Requires(Create, DagRuns, DagScope.DagEntity).Audited("materialize_asset");

        api.MapGet("/dags/{dag_id}/assets/queuedEvents", async (string dag_id, HttpContext context, AssetStore assets) =>
        {
            var queued = await assets.QueuedEventsAsync(null, dag_id, new ApiQuery(context.Request).Date("before"), cancellationToken: context.RequestAborted);
            return queued.Count == 0
                ? throw ApiException.NotFound($"Queue event with dag_id: `{dag_id}` was not found")
                : V2.Json(new { queued_events = queued.Select(Queued).ToList(), total_entries = queued.Count });
        }).Query("before").Requires(Read, Assets, DagScope.DagEntity);

        api.MapDelete("/dags/{dag_id}/assets/queuedEvents", async (string dag_id, HttpContext context, AssetStore assets) =>
            await assets.DeleteQueuedEventsAsync(null, dag_id, new ApiQuery(context.Request).Date("before"), cancellationToken: context.RequestAborted) == 0
                ? throw ApiException.NotFound($"Queue event with dag_id: `{dag_id}` was not found")
                : Results.NoContent()).Query("before").Requires(Delete, Assets, DagScope.DagEntity).Audited("delete_dag_asset_queued_events");

        api.MapGet("/dags/{dag_id}/assets/{asset_id}/queuedEvents", async (string dag_id, string asset_id, HttpContext context, AssetStore assets) =>
        {
            var id = PathId(asset_id, "asset_id");
            var queued = await assets.QueuedEventsAsync(id, dag_id, new ApiQuery(context.Request).Date("before"), cancellationToken: context.RequestAborted);
            return queued.Count == 0
                ? throw ApiException.NotFound($"Queued event with dag_id: `{dag_id}` and asset_id: `{id}` was not found")
                : V2.Json(Queued(queued[0]));
        }).Query("before").Requires(Read, Assets, DagScope.DagEntity);

        api.MapDelete("/dags/{dag_id}/assets/{asset_id}/queuedEvents", async (string dag_id, string asset_id, HttpContext context, AssetStore assets) =>
        {
            var id = PathId(asset_id, "asset_id");
            return await assets.DeleteQueuedEventsAsync(id, dag_id, new ApiQuery(context.Request).Date("before"), cancellationToken: context.RequestAborted) == 0
                ? throw ApiException.NotFound($"Queued event with dag_id: `{dag_id}` and asset_id: `{id}` was not found")
                : Results.NoContent();
        }).Query("before").Requires(Delete, Assets, DagScope.DagEntity).Audited("delete_dag_asset_queued_event");

        api.MapGet("/assets", async (HttpContext context, AssetStore assets) =>
        {
            var q = new ApiQuery(context.Request);
            var dagIds = q.Strings("dag_ids").SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
            var page = await assets.QueryAsync(
                new AssetQuery(q.Page(settings.MaximumPageLimit))
                {
                    NamePattern = q.String("name_pattern"),
                    UriPattern = q.String("uri_pattern"),
                    DagIds = dagIds.Count == 0 ? null : dagIds,
                    OnlyActive = q.Bool("only_active") ?? true,
                },
                context.RequestAborted);
            var relations = await assets.RelationsAsync([.. page.Items.Select(a => a.Id)], context.RequestAborted);
            var aliases = await assets.AliasesOfAsync([.. page.Items.Select(a => a.Id)], context.RequestAborted);
            return V2.Json(new { assets = page.Items.Select(a => Asset(a, relations, aliases)).ToList(), total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "name_pattern", "uri_pattern", "dag_ids:array", "only_active:boolean").Requires(Read, Assets);

        api.MapGet("/assets/{asset_id}", async (string asset_id, HttpContext context, AssetStore assets) =>
        {
            // As FastAPI: an id that is not an integer is a validation error, not a missing asset.
            var id = PathId(asset_id, "asset_id");
            var asset = await assets.GetAsync(id, context.RequestAborted) ?? throw ApiException.NotFound($"The Asset with ID: `{id}` was not found");
            return V2.Json(Asset(asset, await assets.RelationsAsync([asset.Id], context.RequestAborted), await assets.AliasesOfAsync([asset.Id], context.RequestAborted)));
        }).Requires(Read, Assets);

        api.MapGet("/dags/{dag_id}/dagRuns/{dag_run_id}/upstreamAssetEvents", async (string dag_id, string dag_run_id, HttpContext context, AssetStore assets, IDagRunStore runs, IDagStore dags) =>
        {
            var run = await DagRunEndpoints.GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            var page = await assets.EventsAsync(new AssetEventQuery(new Storage.Queries.PageRequest { Limit = int.MaxValue }) { ConsumedByRunId = run.Id }, context.RequestAborted);
            return V2.Json(new { asset_events = await EventsAsync(assets, page.Items, context.RequestAborted), total_entries = page.TotalEntries });
        }).Requires(Read, Assets, DagScope.DagEntity);
    }

    /// <summary>A path id that must be an integer: as FastAPI, anything else is a validation error, not a missing object.</summary>
    private static long PathId(string value, string name) =>
        long.TryParse(value, System.Globalization.NumberStyles.Integer, System.Globalization.CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : throw ApiException.Invalid(["path", name], "Input should be a valid integer, unable to parse string as an integer", "int_parsing", value);

    private static object Alias(AssetAliasRecord alias) => new { id = alias.Id, name = alias.Name, group = alias.AliasGroup };

    private static object Queued(QueuedAssetEvent queued) => new
    {
        dag_id = queued.DagId,
        asset_id = queued.AssetId,
        created_at = queued.CreatedAt,
        dag_display_name = queued.DagId,
    };

    private static object Asset(AssetRecord asset, AssetRelations relations, ILookup<long, AssetAliasRecord> aliases) => new
    {
        id = asset.Id,
        name = asset.Name,
        uri = asset.Uri,
        group = asset.AssetGroup,
        extra = Extra(asset.Extra),
        created_at = asset.CreatedAt,
        updated_at = asset.UpdatedAt,
        scheduled_dags = relations.Scheduled.Where(r => r.AssetId == asset.Id)
            .Select(r => new { dag_id = r.DagId, created_at = r.CreatedAt, updated_at = r.UpdatedAt }).ToList(),
        producing_tasks = relations.Producing.Where(r => r.AssetId == asset.Id)
            .Select(r => new { dag_id = r.DagId, task_id = r.TaskId, created_at = r.CreatedAt, updated_at = r.UpdatedAt }).ToList(),
        consuming_tasks = Array.Empty<object>(),
        aliases = aliases[asset.Id].Select(Alias).ToList(),
        last_asset_event = relations.LatestEvents.TryGetValue(asset.Id, out var latest)
            ? new { id = (long?)latest.Id, timestamp = (DateTimeOffset?)latest.Timestamp }
            : new { id = (long?)null, timestamp = (DateTimeOffset?)null },
    };

    private static async Task<List<object>> EventsAsync(AssetStore assets, IReadOnlyList<AssetEventRecord> events, CancellationToken cancellationToken)
    {
        var created = await assets.CreatedRunsAsync([.. events.Select(e => e.Id)], cancellationToken);
        return [.. events.Select(e => (object)new
        {
            id = e.Id,
            asset_id = e.AssetId,
            uri = e.Uri,
            name = e.Name,
            group = e.AssetGroup,
            extra = Extra(e.Extra),
            source_task_id = e.SourceTaskId,
            source_dag_id = e.SourceDagId,
            source_run_id = e.SourceRunId,
            source_map_index = e.SourceMapIndex,
            created_dagruns = created[e.Id].Select(r => new
            {
                run_id = r.RunId,
                dag_id = r.DagId,
                logical_date = V2.Time(r.LogicalDate),
                start_date = V2.Time(r.StartDate),
                end_date = V2.Time(r.EndDate),
                state = r.State.ToWireName(),
                data_interval_start = V2.Time(r.DataIntervalStart),
                data_interval_end = V2.Time(r.DataIntervalEnd),
            }).ToList(),
            timestamp = e.Timestamp,
        })];
    }

    /// <summary>Extra data as the API shows it: values under secret-looking keys masked.</summary>
    private static JsonNode? Extra(string extra) => Redaction.Extra(extra) is { } shown && shown != Redaction.Mask ? JsonNode.Parse(shown) : new JsonObject();

    /// <summary>Airflow's <c>CreateAssetEventsBody</c>.</summary>
    internal sealed record EventBody(long AssetId, JsonObject? Extra = null);
}
