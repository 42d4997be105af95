using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Updraft.Storage.Stores;

namespace Updraft.Server.Tests.RestApi;

/// <summary>The DAG list's short-lived cache: per caller, validated by ETag, emptied by any change made through the server.</summary>
public sealed class ListCacheTests : IAsyncLifetime
{
    private RestApiServer _api = null!;

    public async Task InitializeAsync() => _api = await RestApiServer.StartAsync(null, listCache: TimeSpan.FromMinutes(5));

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task DagList_CachedPerCaller_ETag304_ChangesThroughTheServerShowAtOnce()
    {
        var admin = await _api.AsAsync("admin");
        using var first = await admin.GetAsync("api/v2/dags");
        var etag = first.Headers.ETag!.Tag;
        Assert.False(Paused(await first.Content.ReadFromJsonAsync<JsonObject>(), "alpha"));

        using var revalidate = new HttpRequestMessage(HttpMethod.Get, "api/v2/dags");
        revalidate.Headers.IfNoneMatch.Add(new System.Net.Http.Headers.EntityTagHeaderValue(etag));
        using var notModified = await admin.SendAsync(revalidate);
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);

        // A change made elsewhere (here: straight in the database) shows once the answer expires — not before.
        await new DagStore(_api.Orchestra.Database).SetPausedAsync("alpha", true);
        Assert.False(Paused(await admin.GetFromJsonAsync<JsonObject>("api/v2/dags"), "alpha"));

        // Each caller has their own answer: the alpha-only role sees its one DAG, with the change.
        var team = await (await _api.AsAsync("team")).GetFromJsonAsync<JsonObject>("api/v2/dags");
        Assert.Equal(1, team!["total_entries"]!.GetValue<int>());
        Assert.True(Paused(team, "alpha"));

        // A change through the server empties the cache at once.
        using var patched = await admin.PatchAsJsonAsync("api/v2/dags/beta", new { is_paused = true });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        using var after = await admin.GetAsync("api/v2/dags");
        var list = await after.Content.ReadFromJsonAsync<JsonObject>();
        Assert.True(Paused(list, "alpha"));
        Assert.True(Paused(list, "beta"));
        Assert.NotEqual(etag, after.Headers.ETag!.Tag);
    }

    private static bool Paused(JsonObject? list, string dagId) =>
        list!["dags"]!.AsArray().Single(d => d!["dag_id"]!.GetValue<string>() == dagId)!["is_paused"]!.GetValue<bool>();
}
