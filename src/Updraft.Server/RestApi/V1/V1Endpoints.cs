using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.Connections;
using Updraft.Core.States;
using Updraft.Scheduling.Operations;
using Updraft.Server.RestApi.V2;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V1;

/// <summary>
/// Airflow 2's stable REST API (<c>/api/v1</c>) for older clients: the same services and permissions as
/// <c>/api/v2</c>, Airflow 2.10's shapes (<c>execution_date</c>, <c>limit</c> default 100, <c>update_mask</c>), basic
/// auth and problem+json errors (the gate maps those).
/// </summary>
internal static class V1Endpoints
{
    public const string Prefix = "/api/v1";

    private const int DefaultLimit = 100;

    public static void MapV1(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        MapDags(api, settings);
        MapRuns(api, settings);
        MapAdmin(api, settings);
        MapMonitor(api, settings);
        api.MapV1Tasks(settings);
        api.MapHealthAndVersion("/health");
    }

    private static void MapMonitor(IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/importErrors", async (HttpContext context, IDagStore dags) =>
        {
            var page = Page(context, settings);
            var errors = await DagEndpoints.VisibleImportErrorsAsync(context, dags);
            return V2.V2.Json(new { import_errors = errors.Skip(page.Offset).Take(page.Limit).ToList(), total_entries = errors.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array").Requires(Read, ImportErrors);

        api.MapGet("/importErrors/{import_error_id:int}", async (int import_error_id, HttpContext context, IDagStore dags) =>
            (await DagEndpoints.VisibleImportErrorsAsync(context, dags)).FirstOrDefault(e => e.ImportErrorId == import_error_id) is { } error
                ? V2.V2.Json(error)
                : throw ApiException.NotFound($"The ImportError with import_error_id: `{import_error_id}` was not found"))
            .Requires(Read, ImportErrors);

        api.MapGet("/eventLogs", async (HttpContext context, EventLogStore events) =>
        {
            var q = new ApiQuery(context.Request);
            var dagId = q.String("dag_id");
            var readable = context.Caller().ReadableDags;
            var page = await events.QueryAsync(dagId is null ? readable : V2.V2.Intersect(readable, [dagId]), q.String("event"), q.String("owner"), Page(context, settings), cancellationToken: context.RequestAborted);
            return V2.V2.Json(new { event_logs = page.Items.Select(EventLog).ToList(), total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "dag_id", "event", "owner").Requires(Read, AuditLogs);

        api.MapGet("/eventLogs/{event_log_id:long}", async (long event_log_id, HttpContext context, EventLogStore events) =>
        {
            var page = await events.QueryAsync(context.Caller().ReadableDags, null, null, new PageRequest { Limit = 1 }, event_log_id, context.RequestAborted);
            return page.Items.Count > 0 ? V2.V2.Json(EventLog(page.Items[0])) : throw ApiException.NotFound($"Event Log with id: `{event_log_id}` not found");
        }).Requires(Read, AuditLogs);

        api.MapGet("/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries", async (string dag_id, string dag_run_id, string task_id, HttpContext context, DatabaseXComStore xcoms) =>
        {
            var q = new ApiQuery(context.Request);
            var page = await xcoms.QueryAsync(V2.V2.DagFilter(context, dag_id), dag_run_id == "~" ? null : dag_run_id, task_id == "~" ? null : task_id, q.Int("map_index"), q.String("xcom_key"), Page(context, settings), context.RequestAborted);
            return V2.V2.Json(new { xcom_entries = page.Items.Select(e => XCom(e, withValue: false)).ToList(), total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "map_index:integer", "xcom_key").Requires(Read, XComs, DagScope.DagEntity);

        api.MapGet("/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}/xcomEntries/{xcom_key}", async (string dag_id, string dag_run_id, string task_id, string xcom_key, HttpContext context, DatabaseXComStore xcoms) =>
        {
            var page = await xcoms.QueryAsync([dag_id], dag_run_id, task_id, new ApiQuery(context.Request).Int("map_index") ?? -1, xcom_key, new PageRequest { Limit = 1 }, context.RequestAborted);
            return page.Items.Count > 0 ? V2.V2.Json(XCom(page.Items[0], withValue: true)) : throw ApiException.NotFound($"XCom entry {xcom_key} not found");
        }).Query("map_index:integer").Requires(Read, XComs, DagScope.DagEntity);
    }

    private static object EventLog(EventLogEntry e) => new
    {
        event_log_id = e.Id,
        when = V2.V2.Time(e.Dttm),
        dag_id = e.DagId,
        task_id = e.TaskId,
        run_id = e.RunId,
        map_index = (int?)null,
        try_number = (int?)null,
        @event = e.Event,
        execution_date = (DateTimeOffset?)null,
        owner = e.Owner,
        extra = e.Extra,
    };

    // Airflow 2 returned an XCom's value as text.
    private static System.Text.Json.Nodes.JsonObject XCom(XComEntry e, bool withValue)
    {
        var entry = new System.Text.Json.Nodes.JsonObject
        {
            ["key"] = e.Key,
            ["timestamp"] = V2.V2.Time(e.Timestamp),
            ["execution_date"] = V2.V2.Time(e.LogicalDate),
            ["map_index"] = e.MapIndex,
            ["task_id"] = e.TaskId,
            ["dag_id"] = e.DagId,
        };
        if (withValue)
        {
            entry["value"] = V2.V2.JsonOrText(e.Value) is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var text) ? text : e.Value;
        }

        return entry;
    }

    public sealed record TriggerBody(string? DagRunId = null, DateTimeOffset? LogicalDate = null, DateTimeOffset? ExecutionDate = null, System.Text.Json.Nodes.JsonObject? Conf = null, string? Note = null, DateTimeOffset? DataIntervalStart = null, DateTimeOffset? DataIntervalEnd = null);

    public sealed record StateBody(string State);

    public sealed record ClearBody(bool DryRun = true);

    public sealed record DagPatch(bool IsPaused);

    public sealed record VariableBody(string Key, string Value, string? Description = null);

    public sealed record PoolBody(string Name, int Slots, string? Description = null, bool? IncludeDeferred = null);

    private static PageRequest Page(HttpContext context, RestApiSettings settings, params string[] order)
    {
        var q = new ApiQuery(context.Request);
        var page = q.Page(settings.MaximumPageLimit, order);

        // Airflow 2 named the logical date execution_date.
        page = page with { OrderBy = [.. page.OrderBy.Select(o => o.Replace("execution_date", "logical_date", StringComparison.Ordinal))] };
        return q.Int("limit") is null ? page with { Limit = Math.Min(DefaultLimit, settings.MaximumPageLimit) } : page;
    }

    private static void MapDags(IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/dags", async (HttpContext context, DagService service, IDagStore dags) =>
        {
            var q = new ApiQuery(context.Request);
            var page = await service.ListAsync(
                new DagQuery
                {
                    DagIds = V2.V2.DagFilter(context, null),
                    DagIdPattern = q.String("dag_id_pattern"),
                    Paused = q.Bool("paused"),
                    Active = q.Bool("only_active") == false ? null : true,
                    Tags = q.StringsOrNull("tags"),
                    Page = Page(context, settings, "dag_id"),
                },
                context.RequestAborted);
            return V2.V2.Json(new { dags = await ShapeAsync(dags, page.Items, context.RequestAborted), total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "dag_id_pattern", "paused:boolean", "only_active:boolean", "tags:array").Requires(Read, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapGet("/dags/{dag_id}", async (string dag_id, HttpContext context, DagService service, IDagStore dags) =>
            V2.V2.Json((await ShapeAsync(dags, [await service.GetAsync(dag_id, context.RequestAborted)], context.RequestAborted))[0]))
            .Requires(Read, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapPatch("/dags/{dag_id}", async (string dag_id, HttpContext context, DagService service, IDagStore dags) =>
        {
            var body = await ApiBody.ReadAsync<DagPatch>(context.Request, context.RequestAborted);
            if (new ApiQuery(context.Request).Strings("update_mask").FirstOrDefault(f => f != "is_paused") is { } field)
            {
                throw ApiException.BadRequest($"Only `is_paused` field can be updated through the REST API, not '{field}'.");
            }

            var record = await service.SetPausedAsync(dag_id, body.IsPaused, DagEndpoints.Actor(context), context.RequestAborted);
            return V2.V2.Json((await ShapeAsync(dags, [record], context.RequestAborted))[0]);
        }).Accepts<DagPatch>("application/json").Query("update_mask:array").Requires(Edit, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapDelete("/dags/{dag_id}", async (string dag_id, HttpContext context, DagService service) =>
        {
            await service.DeleteAsync(dag_id, DagEndpoints.Actor(context), context.RequestAborted);
            return Results.NoContent();
        }).Requires(Delete, Storage.Security.Permissions.Dags, DagScope.Dag);
    }

    private static void MapRuns(IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/dags/{dag_id}/dagRuns", async (string dag_id, HttpContext context, DagRunService service, IDagStore dags) =>
        {
            if (dag_id != "~")
            {
                await DagRunEndpoints.RequireDagAsync(dags, dag_id, context.RequestAborted);
            }

            var q = new ApiQuery(context.Request);
            var page = await service.ListAsync(
                new DagRunQuery
                {
                    DagIds = V2.V2.DagFilter(context, dag_id),
                    States = q.StringsOrNull("state")?.Select(DagRunEndpoints.ParseRunState).ToList(),
                    LogicalDateGte = q.Date("execution_date_gte") ?? q.Date("logical_date_gte"),
                    LogicalDateLte = q.Date("execution_date_lte") ?? q.Date("logical_date_lte"),
                    StartDateGte = q.Date("start_date_gte"),
                    StartDateLte = q.Date("start_date_lte"),
                    Page = Page(context, settings, "id"),
                },
                context.RequestAborted);
            return V2.V2.Json(new { dag_runs = page.Items.Select(V1Shapes.Run).ToList(), total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "state:array", "execution_date_gte:date-time", "logical_date_gte:date-time", "execution_date_lte:date-time", "logical_date_lte:date-time", "start_date_gte:date-time", "start_date_lte:date-time").Requires(Read, DagRuns, DagScope.DagEntity);

        api.MapGet("/dags/{dag_id}/dagRuns/{dag_run_id}", async (string dag_id, string dag_run_id, HttpContext context, IDagRunStore runs, IDagStore dags) =>
            V2.V2.Json(V1Shapes.Run(await DagRunEndpoints.GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted))))
            .Requires(Read, DagRuns, DagScope.DagEntity);

        api.MapPost("/dags/{dag_id}/dagRuns", async (string dag_id, HttpContext context, DagRunService service) =>
        {
            var body = await ApiBody.ReadAsync<TriggerBody>(context.Request, context.RequestAborted);
            if (body.LogicalDate is { } a && body.ExecutionDate is { } b && a != b)
            {
                throw ApiException.BadRequest("logical_date conflicts with execution_date");
            }

            var run = await service.TriggerAsync(
                new TriggerRequest(dag_id) { RunId = body.DagRunId, LogicalDate = body.LogicalDate ?? body.ExecutionDate, Conf = body.Conf },
                DagEndpoints.Actor(context),
                context.RequestAborted);
            return V2.V2.Json(V1Shapes.Run(run));
        }).Accepts<TriggerBody>("application/json").Requires(Create, DagRuns, DagScope.DagEntity);

        api.MapPatch("/dags/{dag_id}/dagRuns/{dag_run_id}", async (string dag_id, string dag_run_id, HttpContext context, DagRunService service) =>
        {
            var body = await ApiBody.ReadAsync<StateBody>(context.Request, context.RequestAborted);
            var state = body.State switch
            {
                "queued" => DagRunState.Queued,
                "success" => DagRunState.Success,
                "failed" => DagRunState.Failed,
                _ => throw ApiException.BadRequest($"'{body.State}' is not one of ['success', 'failed', 'queued'] - 'state'"),
            };
            return V2.V2.Json(V1Shapes.Run(await service.SetStateAsync(dag_id, dag_run_id, state, DagEndpoints.Actor(context), context.RequestAborted)));
        }).Accepts<StateBody>("application/json").Requires(Edit, DagRuns, DagScope.DagEntity);

        api.MapDelete("/dags/{dag_id}/dagRuns/{dag_run_id}", async (string dag_id, string dag_run_id, HttpContext context, DagRunService service) =>
        {
            await service.DeleteAsync(dag_id, dag_run_id, DagEndpoints.Actor(context), context.RequestAborted);
            return Results.NoContent();
        }).Requires(Delete, DagRuns, DagScope.DagEntity);

        api.MapGet("/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances", async (string dag_id, string dag_run_id, HttpContext context, TaskInstanceService service, IDagRunStore runs, IDagStore dags) =>
        {
            if (dag_id != "~" && dag_run_id != "~")
            {
                await DagRunEndpoints.GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            }

            var q = new ApiQuery(context.Request);
            var page = await service.ListAsync(
                new TaskInstanceQuery
                {
                    DagIds = V2.V2.DagFilter(context, dag_id),
                    RunIds = dag_run_id == "~" ? null : [dag_run_id],
                    States = q.StringsOrNull("state")?.Select(s => TaskInstanceEndpoints.ParseState(s, ["query", "state"])).ToList(),
                    Pools = q.StringsOrNull("pool"),
                    Queues = q.StringsOrNull("queue"),
                    Page = Page(context, settings, "map_index"),
                },
                context.RequestAborted);
            var cache = new Dictionary<(string, string), DagRunRecord?>();
            var items = new List<object>();
            foreach (var ti in page.Items)
            {
                if (!cache.TryGetValue((ti.DagId, ti.RunId), out var run))
                {
                    cache[(ti.DagId, ti.RunId)] = run = await runs.GetAsync(ti.DagId, ti.RunId, context.RequestAborted);
                }

                items.Add(V1Shapes.TaskInstance(ti, run));
            }

            return V2.V2.Json(new { task_instances = items, total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "state:array", "pool:array", "queue:array").Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet("/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}", async (string dag_id, string dag_run_id, string task_id, HttpContext context, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, RenderedFieldsStore rendered) =>
        {
            var run = await DagRunEndpoints.GetRunAsync(runs, dags, dag_id, dag_run_id, context.RequestAborted);
            var key = new TaskInstanceKey(dag_id, dag_run_id, task_id);
            var ti = await tis.GetAsync(key, context.RequestAborted)
                ?? throw ApiException.NotFound($"Task instance {task_id} of run {dag_run_id} of DAG {dag_id} not found");
            return V2.V2.Json(V1Shapes.TaskInstance(ti, run, await rendered.GetAsync(key, context.RequestAborted)));
        }).Requires(Read, TaskInstances, DagScope.DagEntity);
    }

    private static void MapAdmin(IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/variables", async (HttpContext context, SecretStore secrets) =>
        {
            var page = Page(context, settings);
            var list = AdminEndpoints.Sort((await secrets.ListVariablesAsync(context.RequestAborted)).ToList(), page.OrderBy, new() { ["key"] = v => v.Key, ["id"] = v => v.Key });
            return V2.V2.Json(new { variables = list.Skip(page.Offset).Take(page.Limit).Select(Variable).ToList(), total_entries = list.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array").Requires(Read, Variables);

        api.MapGet("/variables/{variable_key}", async (string variable_key, HttpContext context, SecretStore secrets) =>
            V2.V2.Json(Variable(await AdminEndpoints.FindVariableAsync(secrets, variable_key, context.RequestAborted))))
            .Requires(Read, Variables);

        api.MapPost("/variables", async (HttpContext context, SecretStore secrets) =>
        {
            var body = await ApiBody.ReadAsync<VariableBody>(context.Request, context.RequestAborted);
            AdminEndpoints.CheckName(() => Core.Runtime.Names.VariableKey(body.Key), "key");
            await secrets.SetVariableAsync(body.Key, body.Value, body.Description, context.RequestAborted);
            return V2.V2.Json(Variable(await AdminEndpoints.FindVariableAsync(secrets, body.Key, context.RequestAborted)));
        }).Accepts<VariableBody>("application/json").Requires(Create, Variables).Audited("variable.create");

        api.MapPatch("/variables/{variable_key}", async (string variable_key, HttpContext context, SecretStore secrets) =>
        {
            var body = await ApiBody.ReadAsync<VariableBody>(context.Request, context.RequestAborted);
            if (body.Key != variable_key)
            {
                throw ApiException.BadRequest("Invalid post body: the key in the body does not match the URL.");
            }

            var current = await AdminEndpoints.FindVariableAsync(secrets, variable_key, context.RequestAborted);
            var mask = Mask(context, "value", "description");
            await secrets.SetVariableAsync(variable_key, mask("value") ? body.Value : current.Value, mask("description") ? body.Description : current.Description, context.RequestAborted);
            return V2.V2.Json(Variable(await AdminEndpoints.FindVariableAsync(secrets, variable_key, context.RequestAborted)));
        }).Accepts<VariableBody>("application/json").Query("update_mask:array").Requires(Edit, Variables).Audited("variable.edit");

        api.MapDelete("/variables/{variable_key}", async (string variable_key, HttpContext context, SecretStore secrets) =>
            await secrets.DeleteVariableAsync(variable_key, context.RequestAborted) ? Results.NoContent() : throw ApiException.NotFound($"Variable does not exist: {variable_key}"))
            .Requires(Delete, Variables).Audited("variable.delete");

        api.MapGet("/connections", async (HttpContext context, SecretStore secrets) =>
        {
            var page = Page(context, settings);
            var list = AdminEndpoints.Sort((await secrets.ListConnectionsAsync(null, context.RequestAborted)).ToList(), page.OrderBy, new() { ["connection_id"] = c => c.ConnId, ["conn_id"] = c => c.ConnId, ["id"] = c => c.ConnId });
            return V2.V2.Json(new { connections = list.Skip(page.Offset).Take(page.Limit).Select(c => new { connection_id = c.ConnId, conn_type = c.ConnType, description = c.Description, host = c.Host, login = c.Login, schema = c.Schema, port = c.Port }).ToList(), total_entries = list.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array").Requires(Read, Connections);

        api.MapGet("/connections/{connection_id}", async (string connection_id, HttpContext context, SecretStore secrets) =>
            V2.V2.Json(ConnectionShape(await AdminEndpoints.FindConnectionAsync(secrets, connection_id, context.RequestAborted))))
            .Requires(Read, Connections);

        api.MapPost("/connections", async (HttpContext context, SecretStore secrets) =>
        {
            var body = await ApiBody.ReadAsync<AdminEndpoints.ConnectionBody>(context.Request, context.RequestAborted);
            var connection = AdminEndpoints.ToConnection(body);
            if (await secrets.HasConnectionAsync(body.ConnectionId, context.RequestAborted))
            {
                throw ApiException.Conflict($"Connection already exist. ID: {body.ConnectionId}");
            }

            await secrets.SetConnectionAsync(connection, context.RequestAborted);
            return V2.V2.Json(ConnectionShape(connection));
        }).Accepts<AdminEndpoints.ConnectionBody>("application/json").Requires(Create, Connections).Audited("connection.create");

        api.MapPatch("/connections/{connection_id}", async (string connection_id, HttpContext context, SecretStore secrets) =>
        {
            var body = await ApiBody.ReadAsync<AdminEndpoints.ConnectionBody>(context.Request, context.RequestAborted);
            if (body.ConnectionId != connection_id)
            {
                throw ApiException.BadRequest("The connection_id cannot be updated.");
            }

            var current = await AdminEndpoints.FindConnectionAsync(secrets, connection_id, context.RequestAborted);
            var wanted = AdminEndpoints.ToConnection(body);
            var mask = Mask(context, "conn_type", "description", "host", "login", "schema", "port", "password", "extra");
            var merged = AdminEndpoints.KeepSecrets(
                new Connection(connection_id, mask("conn_type") ? wanted.ConnType : current.ConnType)
                {
                    Description = mask("description") ? wanted.Description : current.Description,
                    Host = mask("host") ? wanted.Host : current.Host,
                    Login = mask("login") ? wanted.Login : current.Login,
                    Schema = mask("schema") ? wanted.Schema : current.Schema,
                    Port = mask("port") ? wanted.Port : current.Port,
                    Password = mask("password") ? wanted.Password : null,
                    Extra = mask("extra") ? wanted.Extra : current.Extra,
                },
                current);
            await secrets.SetConnectionAsync(merged, context.RequestAborted);
            return V2.V2.Json(ConnectionShape(merged));
        }).Accepts<AdminEndpoints.ConnectionBody>("application/json").Query("update_mask:array").Requires(Edit, Connections).Audited("connection.edit");

        api.MapDelete("/connections/{connection_id}", async (string connection_id, HttpContext context, SecretStore secrets) =>
            await secrets.DeleteConnectionAsync(connection_id, context.RequestAborted) ? Results.NoContent() : throw ApiException.NotFound($"The Connection with connection_id: `{connection_id}` was not found"))
            .Requires(Delete, Connections).Audited("connection.delete");

        api.MapGet("/pools", async (HttpContext context, PoolStore pools) =>
        {
            var page = Page(context, settings);
            var list = AdminEndpoints.Sort((await pools.ListAsync(context.RequestAborted)).ToList(), page.OrderBy, new() { ["name"] = p => p.Pool, ["id"] = p => p.Pool });
            return V2.V2.Json(new { pools = list.Skip(page.Offset).Take(page.Limit).Select(AdminEndpoints.Pool).ToList(), total_entries = list.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array").Requires(Read, Pools);

        api.MapGet("/pools/{pool_name}", async (string pool_name, HttpContext context, PoolStore pools) =>
            V2.V2.Json(AdminEndpoints.Pool(await AdminEndpoints.FindPoolAsync(pools, pool_name, context.RequestAborted))))
            .Requires(Read, Pools);

        api.MapPost("/pools", async (HttpContext context, PoolStore pools) =>
        {
            var body = await ApiBody.ReadAsync<PoolBody>(context.Request, context.RequestAborted);
            AdminEndpoints.CheckPool(body.Name, body.Slots);
            if ((await pools.ListAsync(context.RequestAborted)).Any(p => p.Pool == body.Name))
            {
                throw ApiException.Conflict($"Pool: {body.Name} already exists");
            }

            await pools.SetAsync(body.Name, body.Slots, body.Description, body.IncludeDeferred ?? false, context.RequestAborted);
            return V2.V2.Json(AdminEndpoints.Pool(await AdminEndpoints.FindPoolAsync(pools, body.Name, context.RequestAborted)));
        }).Accepts<PoolBody>("application/json").Requires(Create, Pools).Audited("pool.create");

        api.MapPatch("/pools/{pool_name}", async (string pool_name, HttpContext context, PoolStore pools) =>
        {
            var body = await ApiBody.ReadAsync<PoolBody>(context.Request, context.RequestAborted);
            var current = await AdminEndpoints.FindPoolAsync(pools, pool_name, context.RequestAborted);
            var mask = Mask(context, "name", "slots", "description", "include_deferred");
            if (mask("name") && body.Name != pool_name)
            {
                throw ApiException.BadRequest("A pool cannot be renamed; create a new pool and delete this one.");
            }

            var slots = mask("slots") ? body.Slots : current.Slots;
            AdminEndpoints.CheckPool(pool_name, slots);
            // include_deferred left out of the body keeps the pool's (Airflow 2 sets only the fields the body has).
            var includeDeferred = mask("include_deferred") && body.IncludeDeferred is { } given ? given : current.IncludeDeferred;
            await pools.SetAsync(pool_name, slots, mask("description") ? body.Description : current.Description, includeDeferred, context.RequestAborted);
            return V2.V2.Json(AdminEndpoints.Pool(await AdminEndpoints.FindPoolAsync(pools, pool_name, context.RequestAborted)));
        }).Accepts<PoolBody>("application/json").Query("update_mask:array").Requires(Edit, Pools).Audited("pool.edit");

        api.MapDelete("/pools/{pool_name}", async (string pool_name, HttpContext context, PoolStore pools) =>
            pool_name == PoolStore.DefaultPool
                ? throw ApiException.BadRequest("Default Pool can't be deleted")
                : await pools.DeleteAsync(pool_name, context.RequestAborted) ? Results.NoContent() : throw ApiException.NotFound($"Pool with name:'{pool_name}' not found"))
            .Requires(Delete, Pools).Audited("pool.delete");
    }

    /// <summary>Airflow 2's <c>update_mask</c>: which fields a PATCH changes (all when absent); an unknown field is a 400.</summary>
    private static Func<string, bool> Mask(HttpContext context, params string[] fields)
    {
        var mask = new ApiQuery(context.Request).Strings("update_mask").SelectMany(m => m.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
        if (mask.FirstOrDefault(m => !fields.Contains(m)) is { } unknown)
        {
            throw ApiException.BadRequest($"'{unknown}' is unknown or cannot be updated.");
        }

        return field => mask.Count == 0 || mask.Contains(field);
    }

    private static object Variable((string Key, string Value, string? Description) v) =>
        new { key = v.Key, value = Redaction.IsSensitive(v.Key) ? Redaction.Mask : v.Value, description = v.Description };

    private static object ConnectionShape(Connection c) => new
    {
        connection_id = c.ConnId,
        conn_type = c.ConnType,
        description = c.Description,
        host = c.Host,
        login = c.Login,
        schema = c.Schema,
        port = c.Port,
        extra = Redaction.Extra(c.Extra),
    };

    private static async Task<List<object>> ShapeAsync(IDagStore dags, IReadOnlyList<DagRecord> records, CancellationToken cancellationToken)
    {
        var errors = (await dags.ImportErrorsAsync(cancellationToken)).Select(e => e.Filename).ToHashSet(StringComparer.Ordinal);
        var tags = await dags.TagsAsync([.. records.Select(r => r.DagId)], cancellationToken);
        return [.. records.Select(r => V1Shapes.Dag(r, tags.TryGetValue(r.DagId, out var t) ? t : [], errors))];
    }
}
