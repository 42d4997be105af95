using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V2;

/// <summary>Variables, connections and pools: list, get, create, patch, delete, and the bulk routes.</summary>
internal static class AdminEndpoints
{
    public static void MapAdmin(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        MapVariables(api, settings);
        MapConnections(api, settings);
        MapPools(api, settings);
    }

    public sealed record VariableBody(string Key, System.Text.Json.Nodes.JsonNode? Value, string? Description = null);

    public sealed record ConnectionBody(
        string ConnectionId,
        string ConnType,
        string? Description = null,
        string? Host = null,
        string? Login = null,
        string? Schema = null,
        int? Port = null,
        string? Password = null,
        string? Extra = null);

    public sealed record PoolBody(string Name, int Slots, string? Description = null, bool IncludeDeferred = false);

    public sealed record PoolPatchBody(string? Pool = null, int? Slots = null, string? Description = null, bool? IncludeDeferred = null);

    private static void MapVariables(IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/variables", async (HttpContext context, SecretStore secrets) =>
        {
            var q = new ApiQuery(context.Request);
            var page = q.Page(settings.MaximumPageLimit);
            var pattern = q.String("variable_key_pattern")?.Replace("%", "", StringComparison.Ordinal);
            IEnumerable<(string Key, string Value, string? Description)> all = await secrets.ListVariablesAsync(context.RequestAborted);
            all = pattern is null ? all : all.Where(v => v.Key.Contains(pattern, StringComparison.OrdinalIgnoreCase));
            var list = Sort(all.ToList(), page.OrderBy, new() { ["key"] = v => v.Key, ["id"] = v => v.Key, ["description"] = v => v.Description ?? "" });
            return V2.Json(new { variables = list.Skip(page.Offset).Take(page.Limit).Select(Variable).ToList(), total_entries = list.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array", "variable_key_pattern").Requires(Read, Variables);

        api.MapGet("/variables/{variable_key}", async (string variable_key, HttpContext context, SecretStore secrets) =>
            V2.Json(Variable(await FindVariableAsync(secrets, variable_key, context.RequestAborted))))
            .Requires(Read, Variables);

        api.MapPost("/variables", async (HttpContext context, SecretStore secrets) =>
        {
            var body = await ApiBody.ReadAsync<VariableBody>(context.Request, context.RequestAborted);
            CheckName(() => Names.VariableKey(body.Key), "key");
            if (await secrets.GetAsync(body.Key, context.RequestAborted) is not null)
            {
                throw ApiException.Conflict($"The Variable with key: `{body.Key}` already exists");
            }

            await secrets.SetVariableAsync(body.Key, Text(body.Value), body.Description, context.RequestAborted);
            return V2.Json(Variable(await FindVariableAsync(secrets, body.Key, context.RequestAborted)), 201);
        }).Accepts<VariableBody>("application/json").Requires(Create, Variables).Audited("post_variable");

        api.MapPatch("/variables/{variable_key}", async (string variable_key, HttpContext context, SecretStore secrets) =>
        {
            var body = await ApiBody.ReadAsync<VariableBody>(context.Request, context.RequestAborted);
            if (body.Key != variable_key)
            {
                throw ApiException.BadRequest("Invalid body, key from request body doesn't match uri parameter");
            }

            var current = await FindVariableAsync(secrets, variable_key, context.RequestAborted);
            var mask = new ApiQuery(context.Request).Strings("update_mask");
            var value = mask.Count == 0 || mask.Contains("value") ? Text(body.Value) : current.Value;
            var description = mask.Count == 0 || mask.Contains("description") ? body.Description : current.Description;
            await secrets.SetVariableAsync(variable_key, value, description, context.RequestAborted);
            return V2.Json(Variable(await FindVariableAsync(secrets, variable_key, context.RequestAborted)));
        }).Accepts<VariableBody>("application/json").Query("update_mask:array").Requires(Edit, Variables).Audited("patch_variable");

        api.MapDelete("/variables/{variable_key}", async (string variable_key, HttpContext context, SecretStore secrets) =>
            await secrets.DeleteVariableAsync(variable_key, context.RequestAborted)
                ? Results.NoContent()
                : throw ApiException.NotFound($"The Variable with key: `{variable_key}` was not found"))
            .Requires(Delete, Variables).Audited("delete_variable");

        api.MapPatch("/variables", (HttpContext context, SecretStore secrets) => Bulk.RunAsync<VariableBody>(context, Variables, new(
            v => CheckName(() => Names.VariableKey(v.Key), "key"),
            async (key, ct) => await secrets.GetAsync(key, ct) is not null,
            (v, ct) => secrets.SetVariableAsync(v.Key, Text(v.Value), v.Description, ct),
            (key, ct) => secrets.DeleteVariableAsync(key, ct)))).Accepts<Bulk.BulkBody>("application/json")
            .Requires(Edit, Variables).Audited("patch_variable");
    }

    private static void MapConnections(IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/connections", async (HttpContext context, SecretStore secrets) =>
        {
            var q = new ApiQuery(context.Request);
            var page = q.Page(settings.MaximumPageLimit);
            var pattern = q.String("connection_id_pattern")?.Replace("%", "", StringComparison.Ordinal);
            var all = (await secrets.ListConnectionsAsync(null, context.RequestAborted)).Where(c => pattern is null || c.ConnId.Contains(pattern, StringComparison.OrdinalIgnoreCase)).ToList();
            var list = Sort(all, page.OrderBy, new() { ["connection_id"] = c => c.ConnId, ["conn_id"] = c => c.ConnId, ["id"] = c => c.ConnId, ["conn_type"] = c => c.ConnType ?? "", ["host"] = c => c.Host ?? "", ["description"] = c => c.Description ?? "" });
            return V2.Json(new { connections = list.Skip(page.Offset).Take(page.Limit).Select(ConnectionShape).ToList(), total_entries = list.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array", "connection_id_pattern").Requires(Read, Connections);

        api.MapGet("/connections/{connection_id}", async (string connection_id, HttpContext context, SecretStore secrets) =>
            V2.Json(ConnectionShape(await FindConnectionAsync(secrets, connection_id, context.RequestAborted))))
            .Requires(Read, Connections);

        api.MapPost("/connections", async (HttpContext context, SecretStore secrets) =>
        {
            var body = await ApiBody.ReadAsync<ConnectionBody>(context.Request, context.RequestAborted);
            var connection = ToConnection(body);
            if (await secrets.HasConnectionAsync(body.ConnectionId, context.RequestAborted))
            {
                throw ApiException.Conflict($"The connection with connection_id: `{body.ConnectionId}` already exists.");
            }

            await secrets.SetConnectionAsync(connection, context.RequestAborted);
            return V2.Json(ConnectionShape(connection), 201);
        }).Accepts<ConnectionBody>("application/json").Requires(Create, Connections).Audited("post_connection");

        api.MapPost("/connections/test", (HttpContext context, SecretStore secrets) => TestConnectionAsync(context, secrets, settings))
            .Accepts<ConnectionBody>("application/json").Requires(Create, Connections).Audited("test_connection");

        api.MapPatch("/connections/{connection_id}", async (string connection_id, HttpContext context, SecretStore secrets) =>
        {
            var body = await ApiBody.ReadAsync<ConnectionBody>(context.Request, context.RequestAborted);
            if (body.ConnectionId != connection_id)
            {
                throw ApiException.BadRequest("The connection_id in the request body does not match the URL parameter");
            }

            var current = await FindConnectionAsync(secrets, connection_id, context.RequestAborted);
            var mask = new ApiQuery(context.Request).Strings("update_mask");
            var wanted = ToConnection(body);
            bool Take(string field) => mask.Count == 0 || mask.Contains(field);
            var merged = new Connection(connection_id, Take("conn_type") ? wanted.ConnType : current.ConnType)
            {
                Description = Take("description") ? wanted.Description : current.Description,
                Host = Take("host") ? wanted.Host : current.Host,
                Login = Take("login") ? wanted.Login : current.Login,
                Schema = Take("schema") ? wanted.Schema : current.Schema,
                Port = Take("port") ? wanted.Port : current.Port,

                // A password left out (or masked, as the API shows it) keeps the stored one.
                Password = Take("password") && wanted.Password is not (null or Redaction.Mask) ? wanted.Password : current.Password,
                Extra = Take("extra") ? Redaction.KeepMaskedSecrets(wanted.Extra, current.Extra) : current.Extra,
            };
            await secrets.SetConnectionAsync(merged, context.RequestAborted);
            return V2.Json(ConnectionShape(merged));
        }).Accepts<ConnectionBody>("application/json").Query("update_mask:array").Requires(Edit, Connections).Audited("patch_connection");

        api.MapDelete("/connections/{connection_id}", async (string connection_id, HttpContext context, SecretStore secrets) =>
            await secrets.DeleteConnectionAsync(connection_id, context.RequestAborted)
                ? Results.NoContent()
                : throw ApiException.NotFound($"The Connection with connection_id: `{connection_id}` was not found"))
            .Requires(Delete, Connections).Audited("delete_connection");

        api.MapPatch("/connections", (HttpContext context, SecretStore secrets) => Bulk.RunAsync<ConnectionBody>(context, Connections, new(
            c => ToConnection(c).ConnId,
            (id, ct) => secrets.HasConnectionAsync(id, ct),
            async (c, ct) => await secrets.SetConnectionAsync(KeepSecrets(ToConnection(c), (await secrets.ListConnectionsAsync(c.ConnectionId, ct)).FirstOrDefault(x => x.ConnId == c.ConnectionId)), ct),
            (id, ct) => secrets.DeleteConnectionAsync(id, ct)))).Accepts<Bulk.BulkBody>("application/json")
            .Requires(Edit, Connections).Audited("patch_connection");
    }

    private static void MapPools(IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/pools", async (HttpContext context, PoolStore pools) =>
        {
            var q = new ApiQuery(context.Request);
            var page = q.Page(settings.MaximumPageLimit);
            var pattern = q.String("pool_name_pattern")?.Replace("%", "", StringComparison.Ordinal);
            var all = (await pools.ListAsync(context.RequestAborted)).Where(p => pattern is null || p.Pool.Contains(pattern, StringComparison.OrdinalIgnoreCase)).ToList();
            var list = Sort(all, page.OrderBy, new() { ["name"] = p => p.Pool, ["pool"] = p => p.Pool, ["id"] = p => p.Pool, ["slots"] = p => p.Slots });
            return V2.Json(new { pools = list.Skip(page.Offset).Take(page.Limit).Select(Pool).ToList(), total_entries = list.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array", "pool_name_pattern").Requires(Read, Pools);

        api.MapGet("/pools/{pool_name}", async (string pool_name, HttpContext context, PoolStore pools) =>
            V2.Json(Pool(await FindPoolAsync(pools, pool_name, context.RequestAborted))))
            .Requires(Read, Pools);

        api.MapPost("/pools", async (HttpContext context, PoolStore pools) =>
        {
            var body = await ApiBody.ReadAsync<PoolBody>(context.Request, context.RequestAborted);
            CheckPool(body.Name, body.Slots);
            if ((await pools.ListAsync(context.RequestAborted)).Any(p => p.Pool == body.Name))
            {
                throw ApiException.Conflict($"The Pool with name: `{body.Name}` already exists");
            }

            await pools.SetAsync(body.Name, body.Slots, body.Description, body.IncludeDeferred, context.RequestAborted);
            return V2.Json(Pool(await FindPoolAsync(pools, body.Name, context.RequestAborted)), 201);
        }).Accepts<PoolBody>("application/json").Requires(Create, Pools).Audited("post_pool");

        api.MapPatch("/pools/{pool_name}", async (string pool_name, HttpContext context, PoolStore pools) =>
        {
            var body = await ApiBody.ReadAsync<PoolPatchBody>(context.Request, context.RequestAborted);
            var current = await FindPoolAsync(pools, pool_name, context.RequestAborted);
            if (body.Pool is { } rename && rename != pool_name)
            {
                throw ApiException.BadRequest("A pool cannot be renamed; create a new pool and delete this one.");
            }

            // As Airflow: the fields the body sets, and of those only the ones in update_mask when it is given.
            var mask = new ApiQuery(context.Request).Strings("update_mask");
            bool Take(string field) => mask.Count == 0 || mask.Contains(field);
            var slots = Take("slots") && body.Slots is { } newSlots ? newSlots : current.Slots;
            CheckPool(pool_name, slots);
            await pools.SetAsync(
                pool_name,
                slots,
                Take("description") && body.Description is { } description ? description : current.Description,
                Take("include_deferred") && body.IncludeDeferred is { } includeDeferred ? includeDeferred : current.IncludeDeferred,
                context.RequestAborted);
            return V2.Json(Pool(await FindPoolAsync(pools, pool_name, context.RequestAborted)));
        }).Accepts<PoolPatchBody>("application/json").Query("update_mask:array").Requires(Edit, Pools).Audited("patch_pool");

        api.MapDelete("/pools/{pool_name}", async (string pool_name, HttpContext context, PoolStore pools) =>
        {
            if (pool_name == PoolStore.DefaultPool)
            {
                throw ApiException.BadRequest("Default Pool can't be deleted");
            }

            return await pools.DeleteAsync(pool_name, context.RequestAborted)
                ? Results.NoContent()
                : throw ApiException.NotFound($"The Pool with name: `{pool_name}` was not found");
        }).Requires(Delete, Pools).Audited("delete_pool");

        api.MapPatch("/pools", (HttpContext context, PoolStore pools) => Bulk.RunAsync<PoolBody>(context, Pools, new(
            p => { CheckPool(p.Name, p.Slots); return p.Name; },
            async (name, ct) => (await pools.ListAsync(ct)).Any(p => p.Pool == name),
            (p, ct) => pools.SetAsync(p.Name, p.Slots, p.Description, p.IncludeDeferred, ct),
            (name, ct) => name == PoolStore.DefaultPool ? throw ApiException.BadRequest("Default Pool can't be deleted") : pools.DeleteAsync(name, ct)))).Accepts<Bulk.BulkBody>("application/json")
            .Requires(Edit, Pools).Audited("patch_pool");
    }

    internal static List<T> Sort<T>(List<T> items, IReadOnlyList<string> orderBy, Dictionary<string, Func<T, object>> keys)
    {
        if (orderBy.Count == 0)
        {
            return [.. items.OrderBy(keys.First().Value)];
        }

        IOrderedEnumerable<T>? sorted = null;
        foreach (var field in orderBy)
        {
            var descending = field.StartsWith('-');
            var key = keys.TryGetValue(field.TrimStart('-'), out var k)
                ? k
                : throw ApiException.BadRequest($"Ordering with '{field.TrimStart('-')}' is disallowed or the attribute does not exist on the model");
            sorted = sorted is null
                ? descending ? items.OrderByDescending(key) : items.OrderBy(key)
                : descending ? sorted.ThenByDescending(key) : sorted.ThenBy(key);
        }

        return [.. sorted!];
    }

    internal static object Variable((string Key, string Value, string? Description) v) => new
    {
        key = v.Key,
        value = Redaction.IsSensitive(v.Key) ? Redaction.Mask : v.Value,
        description = v.Description,
        is_encrypted = true,
    };

    internal static async Task<(string Key, string Value, string? Description)> FindVariableAsync(SecretStore secrets, string key, CancellationToken cancellationToken) =>
        (await secrets.ListVariablesAsync(cancellationToken)).Where(v => v.Key == key).Select(v => ((string, string, string?)?)v).FirstOrDefault()
            ?? throw ApiException.NotFound($"The Variable with key: `{key}` was not found");

    /// <summary>A variable's value as stored: a JSON string as its text, anything else as JSON (Airflow's serialize_json).</summary>
    internal static string Text(System.Text.Json.Nodes.JsonNode? value) =>
        value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var s) ? s : value?.ToJsonString() ?? "null";

    /// <summary>Airflow's connection test (also on <c>/api/v1</c>): only when <c>[core] test_connection = Enabled</c>.</summary>
    internal static async Task<IResult> TestConnectionAsync(HttpContext context, SecretStore secrets, RestApiSettings settings)
    {
        if (!settings.TestConnection)
        {
            throw new ApiException(403, "Testing connection is disabled in Updraft configuration ([core] test_connection). Contact your deployment admin to enable it.");
        }

        var body = await ApiBody.ReadAsync<ConnectionBody>(context.Request, context.RequestAborted);

        // A masked or left-out password of a saved connection is the stored one, so a saved connection can be tested as
        // shown — but only towards the same place: a stored secret is never sent to a host, port, type or login the
        // caller chose.
        var connection = ToConnection(body);
        var stored = (await secrets.ListConnectionsAsync(body.ConnectionId, context.RequestAborted)).FirstOrDefault(c => c.ConnId == body.ConnectionId);
        if (stored is not null && SamePlace(connection, stored))
        {
            connection = KeepSecrets(connection, stored);
        }
        else if (connection.Password == Redaction.Mask)
        {
            connection.Password = null;
        }
        var (status, message) = await Scheduling.Operations.ConnectionTester.TestAsync(connection, TimeSpan.FromSeconds(10), context.RequestAborted);
        return V2.Json(new { status, message });
    }

    private static bool SamePlace(Connection a, Connection b) =>
        string.Equals(a.ConnType, b.ConnType, StringComparison.OrdinalIgnoreCase) && a.Host == b.Host && a.Port == b.Port && a.Login == b.Login && a.Schema == b.Schema;

    private static object ConnectionShape(Connection c) => new
    {
        connection_id = c.ConnId,
        conn_type = c.ConnType ?? "",
        description = c.Description,
        host = c.Host,
        login = c.Login,
        schema = c.Schema,
        port = c.Port,
        password = string.IsNullOrEmpty(c.Password) ? null : Redaction.Mask,
        extra = Redaction.Extra(c.Extra),
    };

    internal static async Task<Connection> FindConnectionAsync(SecretStore secrets, string id, CancellationToken cancellationToken) =>
        (await secrets.ListConnectionsAsync(id, cancellationToken)).FirstOrDefault(c => c.ConnId == id)
            ?? throw ApiException.NotFound($"The Connection with connection_id: `{id}` was not found");

    /// <summary>A connection written over a stored one: a password left out or sent back masked, and masked extra values, keep the stored ones.</summary>
    internal static Connection KeepSecrets(Connection wanted, Connection? current)
    {
        if (current is not null)
        {
            wanted.Password = wanted.Password is null or Redaction.Mask ? current.Password : wanted.Password;
            wanted.Extra = Redaction.KeepMaskedSecrets(wanted.Extra, current.Extra);
        }

        return wanted;
    }

    internal static Connection ToConnection(ConnectionBody body)
    {
        CheckName(() => Names.ConnectionId(body.ConnectionId), "connection_id");
        if (body.Port is < 1 or > 65535)
        {
            throw ApiException.Invalid(["body", "port"], "A port is between 1 and 65535", "value_error", body.Port);
        }

        if (body.Extra is { Length: > 0 } extra)
        {
            try
            {
                // A key given twice is refused too (JsonNode throws on it when the object is read).
                _ = (System.Text.Json.Nodes.JsonNode.Parse(extra) as System.Text.Json.Nodes.JsonObject)?.Count;
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException)
            {
                throw ApiException.Invalid(["body", "extra"], "The `extra` field must be a valid JSON object (e.g., {\"key\": \"value\"})", "value_error");
            }
        }

        return new Connection(body.ConnectionId, body.ConnType)
        {
            Description = body.Description,
            Host = body.Host,
            Login = body.Login,
            Schema = body.Schema,
            Port = body.Port,
            Password = body.Password,
            Extra = body.Extra,
        };
    }

    /// <summary>A pool as Airflow shows it: occupied is running and queued (and deferred when it includes deferred), open the rest.</summary>
    internal static object Pool(PoolUsage p) => new
    {
        name = p.Pool,
        slots = p.Slots,
        description = p.Description,
        include_deferred = p.IncludeDeferred,
        occupied_slots = p.Occupied,
        running_slots = p.Running,
        queued_slots = p.Queued,
        scheduled_slots = p.Scheduled,
        open_slots = p.Open,
        deferred_slots = p.Deferred,
    };

    internal static async Task<PoolUsage> FindPoolAsync(PoolStore pools, string name, CancellationToken cancellationToken) =>
        (await pools.ListAsync(cancellationToken)).FirstOrDefault(p => p.Pool == name)
            ?? throw ApiException.NotFound($"The Pool with name: `{name}` was not found");

    internal static void CheckPool(string name, int slots)
    {
        CheckName(() => Names.Pool(name), "name");
        if (slots < 0)
        {
            throw ApiException.Invalid(["body", "slots"], "Input should be greater than or equal to 0", "greater_than_equal", slots);
        }
    }

    internal static string CheckName(Func<string> check, string field)
    {
        try
        {
            return check();
        }
        catch (ArgumentException e)
        {
            throw ApiException.Invalid(["body", field], e.Message, "value_error");
        }
    }
}
