using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.Runtime;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V2;

/// <summary>XCom entries of a task instance: list (also across tasks, runs and DAGs with <c>~</c>), get, create, update.</summary>
internal static class XComEndpoints
{
    private const string Base = "/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries";

    public static void MapXComs(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet(Base, async (string dag_id, string dag_run_id, string task_id, HttpContext context, DatabaseXComStore xcoms) =>
        {
            var q = new ApiQuery(context.Request);
            var page = await xcoms.QueryAsync(
                V2.DagFilter(context, dag_id),
                dag_run_id == "~" ? null : dag_run_id,
                task_id == "~" ? null : task_id,
                q.Int("map_index"),
                q.String("xcom_key"),
                q.Page(settings.MaximumPageLimit),
                context.RequestAborted);
            return V2.Json(new { xcom_entries = page.Items.Select(e => Entry(e, native: false, null)).ToList(), total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "map_index:integer", "xcom_key").Requires(Read, XComs, DagScope.DagEntity);

        api.MapGet(Base + "/{xcom_key}", async (string dag_id, string dag_run_id, string task_id, string xcom_key, HttpContext context, DatabaseXComStore xcoms) =>
        {
            var q = new ApiQuery(context.Request);
            var entry = await FindAsync(xcoms, new XComKey(dag_id, dag_run_id, task_id, q.Int("map_index") ?? -1, xcom_key), context.RequestAborted);
            return V2.Json(Entry(entry, native: true, q.Bool("stringify") == true ? JsonValue.Create(entry.Value) : V2.JsonOrText(entry.Value)));
        }).Query("map_index:integer", "stringify:boolean").Requires(Read, XComs, DagScope.DagEntity);

        api.MapPost(Base, async (string dag_id, string dag_run_id, string task_id, HttpContext context, DatabaseXComStore xcoms, ITaskInstanceStore tis) =>
        {
            var body = await ApiBody.ReadAsync<CreateBody>(context.Request, context.RequestAborted);
            var key = new XComKey(dag_id, dag_run_id, task_id, body.MapIndex, body.Key);
            if (await tis.GetAsync(new TaskInstanceKey(dag_id, dag_run_id, task_id, body.MapIndex), context.RequestAborted) is null)
            {
                throw ApiException.NotFound($"Task Instance not found for dag_id={dag_id}, run_id={dag_run_id}, task_id={task_id}");
            }

            if (!await xcoms.CreateAsync(key, Json(body.Value), context.RequestAborted))
            {
                throw ApiException.Conflict($"The XCom with key: `{body.Key}` with mentioned task instance already exists.");
            }

            return V2.Json(Entry(await FindAsync(xcoms, key, context.RequestAborted), native: true, body.Value?.DeepClone()), 201);
        }).Accepts<CreateBody>("application/json").Requires(Create, XComs, DagScope.DagEntity).Audited("create_xcom_entry");

        api.MapPatch(Base + "/{xcom_key}", async (string dag_id, string dag_run_id, string task_id, string xcom_key, HttpContext context, DatabaseXComStore xcoms) =>
        {
            var body = await ApiBody.ReadAsync<UpdateBody>(context.Request, context.RequestAborted);
            var key = new XComKey(dag_id, dag_run_id, task_id, body.MapIndex, xcom_key);
            if (!await xcoms.UpdateAsync(key, Json(body.Value), context.RequestAborted))
            {
                throw ApiException.NotFound($"The XCom with key: `{xcom_key}` with mentioned task instance doesn't exist.");
            }

            return V2.Json(Entry(await FindAsync(xcoms, key, context.RequestAborted), native: true, body.Value?.DeepClone()));
        }).Accepts<UpdateBody>("application/json").Requires(Edit, XComs, DagScope.DagEntity).Audited("update_xcom_entry");
    }

    public sealed record CreateBody(string Key, JsonNode? Value, int MapIndex = -1);

    public sealed record UpdateBody(JsonNode? Value, int MapIndex = -1);

    private static string Json(JsonNode? value) => value?.ToJsonString(XComJson.Options) ?? "null";

    private static async Task<XComEntry> FindAsync(DatabaseXComStore xcoms, XComKey key, CancellationToken cancellationToken)
    {
        var page = await xcoms.QueryAsync([key.DagId], key.RunId, key.TaskId, key.MapIndex, key.Key, new Storage.Queries.PageRequest { Limit = 1 }, cancellationToken);
        return page.Items.Count > 0
            ? page.Items[0]
            : throw ApiException.NotFound($"XCom entry with key: `{key.Key}` not found");
    }

    /// <summary>An entry: <paramref name="native"/> with its value (<c>XComResponseNative</c>), else the list form without it.</summary>
    private static JsonObject Entry(XComEntry e, bool native, JsonNode? value)
    {
        var entry = new JsonObject
        {
            ["key"] = e.Key,
            ["timestamp"] = V2.Time(e.Timestamp),
            ["logical_date"] = V2.Time(e.LogicalDate),
            ["map_index"] = e.MapIndex,
            ["task_id"] = e.TaskId,
            ["dag_id"] = e.DagId,
            ["run_id"] = e.RunId,
            ["dag_display_name"] = e.DagId,
            ["task_display_name"] = e.TaskId,
        };
        if (native)
        {
            entry["value"] = value;
        }

        return entry;
    }
}
