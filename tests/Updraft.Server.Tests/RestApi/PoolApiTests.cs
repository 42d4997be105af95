using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Updraft.Core.States;
using Updraft.Scheduling.Tests;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Server.Tests.RestApi;

/// <summary>
/// Pools' <c>include_deferred</c> through <c>/api/v2</c> and <c>/api/v1</c>: kept on create, patch (with and without
/// <c>update_mask</c>) and bulk, and the slot counts of a pool with a running, a scheduled and a deferred task
/// instance, checked against Airflow's schemas. SQLite, PostgreSQL and MariaDB.
/// </summary>
public abstract class PoolApiTests : IAsyncLifetime
{
    private RestApiServer _api = null!;
    private HttpClient _v1 = null!;

    protected abstract string? DatabaseUri { get; }

    public async Task InitializeAsync()
    {
        _api = await RestApiServer.StartAsync(DatabaseUri);
        _v1 = new HttpClient { BaseAddress = _api.Server.Address };
        _v1.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{RestApiServer.Password}")));
        _api.Orchestra.WriteDag("pooled.cs", Orchestra.DagSource("pooled", """
            dag.Empty("deferred").With(t => { t.Pool = "deferring"; t.PoolSlots = 2; });
            dag.Empty("running").With(t => t.Pool = "deferring");
            dag.Empty("scheduled").With(t => t.Pool = "deferring");
            """));
        await _api.Orchestra.ProcessAsync();
    }

    public async Task DisposeAsync()
    {
        _v1.Dispose();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task IncludeDeferred_KeptOnCreatePatchAndBulk_DeferredSlotsOccupyOnlyWhenIncluded()
    {
        var op = await _api.AsAsync("op");
        using var created = await op.PostAsJsonAsync("api/v2/pools", new { name = "deferring", slots = 5, include_deferred = true });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var pool = await Json(created);
        AirflowSchemas.AssertMatches("PoolResponse", pool);
        Assert.True(pool["include_deferred"]!.GetValue<bool>());
        Assert.False((await GetAsync(op, "api/v2/pools/default_pool"))["include_deferred"]!.GetValue<bool>());

        // In the pool: a deferred task instance of 2 slots, a running one and a scheduled one of 1 each.
        var o = _api.Orchestra;
        var run = await o.TriggerAsync("pooled");
        var tasks = new TaskInstanceStore(o.Database);
        var keys = new[] { "deferred", "running", "scheduled" }.Select(t => new TaskInstanceKey("pooled", run.RunId, t)).ToList();
        await tasks.TransitionAsync([.. keys.Select(k => new TaskInstanceChange(k, TaskInstanceState.None, TaskInstanceState.Scheduled))], TimeProvider.System.GetUtcNow());
        await o.Database.QueueAsync(keys[..2], TimeProvider.System.GetUtcNow());
        foreach (var key in keys[..2])
        {
            Assert.True(await tasks.StartAsync(key, 1, "host", 42, TimeProvider.System.GetUtcNow()));
        }

        Assert.Equal(TaskInstanceState.Deferred, await new TriggerStore(o.Database).DeferAsync(keys[0], 1, new TriggerDeferral("DateTimeTrigger", "{}", "execute_complete", null, null), o.Context.TriggerKwargs, TimeProvider.System.GetUtcNow()));

        // Included: the deferred slots are occupied, so 5 - (1 running + 2 deferred) are open.
        Assert.Equal((true, 1, 0, 1, 2, 3, 2), Counts(await GetAsync(op, "api/v2/pools/deferring")));
        AirflowSchemas.AssertMatches("PoolCollectionResponse", await GetAsync(op, "api/v2/pools"));

        // Not included: deferred_slots still says what is deferred, but they are neither occupied nor taken from open.
        using var excluded = await op.PatchAsJsonAsync("api/v2/pools/deferring", new { include_deferred = false });
        Assert.Equal(HttpStatusCode.OK, excluded.StatusCode);
        Assert.Equal((false, 1, 0, 1, 2, 1, 4), Counts(await Json(excluded)));

        // A patch that leaves include_deferred out, or masks it out, keeps it.
        using var slotsOnly = await op.PatchAsJsonAsync("api/v2/pools/deferring", new { slots = 6 });
        Assert.False((await Json(slotsOnly))["include_deferred"]!.GetValue<bool>());
        using var masked = await op.PatchAsJsonAsync("api/v2/pools/deferring?update_mask=slots", new { slots = 7, include_deferred = true });
        var maskedPool = await Json(masked);
        Assert.Equal((7, false), (maskedPool["slots"]!.GetValue<int>(), maskedPool["include_deferred"]!.GetValue<bool>()));
        using var included = await op.PatchAsJsonAsync("api/v2/pools/deferring?update_mask=include_deferred", new { include_deferred = true });
        Assert.Equal((true, 1, 0, 1, 2, 3, 4), Counts(await Json(included)));

        // Airflow 2's API: the same pool and counts; update_mask picks the fields; a body without include_deferred keeps it.
        var v1 = await GetAsync(_v1, "api/v1/pools/deferring");
        AirflowSchemas.AssertMatches("Pool", v1, AirflowSchemas.V1);
        Assert.Equal((true, 1, 0, 1, 2, 3, 4), Counts(v1));
        using var v1Masked = await _v1.PatchAsJsonAsync("api/v1/pools/deferring?update_mask=include_deferred", new { name = "deferring", slots = 99, include_deferred = false });
        var v1MaskedPool = await Json(v1Masked);
        AirflowSchemas.AssertMatches("Pool", v1MaskedPool, AirflowSchemas.V1);
        Assert.Equal((7, false, 1), (v1MaskedPool["slots"]!.GetValue<int>(), v1MaskedPool["include_deferred"]!.GetValue<bool>(), v1MaskedPool["occupied_slots"]!.GetValue<int>()));
        await _v1.PatchAsJsonAsync("api/v1/pools/deferring?update_mask=include_deferred", new { name = "deferring", slots = 7, include_deferred = true });
        using var v1Unmasked = await _v1.PatchAsJsonAsync("api/v1/pools/deferring", new { name = "deferring", slots = 8 });
        var v1UnmaskedPool = await Json(v1Unmasked);
        Assert.Equal((8, true), (v1UnmaskedPool["slots"]!.GetValue<int>(), v1UnmaskedPool["include_deferred"]!.GetValue<bool>()));
        using var v1Created = await _v1.PostAsJsonAsync("api/v1/pools", new { name = "v1", slots = 1, include_deferred = true });
        Assert.True((await Json(v1Created))["include_deferred"]!.GetValue<bool>());

        using var bulk = await op.PatchAsJsonAsync("api/v2/pools", new
        {
            actions = new object[] { new { action = "create", entities = new[] { new { name = "bulk", slots = 2, include_deferred = true } } } },
        });
        Assert.Equal(HttpStatusCode.OK, bulk.StatusCode);
        Assert.True((await GetAsync(op, "api/v2/pools/bulk"))["include_deferred"]!.GetValue<bool>());
        Assert.Equal([("bulk", true), ("default_pool", false), ("deferring", true), ("v1", true)], (await new PoolStore(o.Database).ListAsync()).Select(p => (p.Pool, p.IncludeDeferred)));
    }

    private static (bool IncludeDeferred, int Running, int Queued, int Scheduled, int Deferred, int Occupied, int Open) Counts(JsonObject pool) => (
        pool["include_deferred"]!.GetValue<bool>(),
        pool["running_slots"]!.GetValue<int>(),
        pool["queued_slots"]!.GetValue<int>(),
        pool["scheduled_slots"]!.GetValue<int>(),
        pool["deferred_slots"]!.GetValue<int>(),
        pool["occupied_slots"]!.GetValue<int>(),
        pool["open_slots"]!.GetValue<int>());

    private static async Task<JsonObject> GetAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static async Task<JsonObject> Json(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
}

public sealed class PoolApiSqliteTests : PoolApiTests
{
    protected override string? DatabaseUri => null;
}

[Collection(PostgresCollection.Name)]
public sealed class PoolApiPostgresTests(PostgresServer server) : PoolApiTests
{
    protected override string? DatabaseUri { get; } = server.CreateDatabase();
}

[Collection(MariaDbCollection.Name)]
public sealed class PoolApiMariaDbTests(MariaDbServer server) : PoolApiTests
{
    protected override string? DatabaseUri { get; } = server.CreateDatabase();
}
