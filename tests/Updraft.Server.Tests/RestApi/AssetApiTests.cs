using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Updraft.Scheduling.Tests;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Server.Tests.RestApi;

/// <summary>
/// Airflow 3's asset routes over real HTTP: assets with the DAGs scheduled on them and the tasks updating them, an
/// event posted from outside (and the run it starts, with the events it consumed), and bad input; SQLite and PostgreSQL.
/// </summary>
public abstract class AssetApiTests : IAsyncLifetime
{
    private RestApiServer _api = null!;

    protected abstract string? DatabaseUri { get; }

    public async Task InitializeAsync()
    {
        _api = await RestApiServer.StartAsync(DatabaseUri);
        const string Assets = "public static class Lake { public static readonly Asset Orders = new(\"orders\", \"s3://lake/orders\"); public static readonly Asset Customers = new(\"customers\"); }\n";
        _api.Orchestra.WriteDag("producer.cs", Assets + Orchestra.DagSource("producer", "dag.Empty(\"export\").With(t => t.Outlets = [Lake.Orders]);"));
        _api.Orchestra.WriteDag("consumer.cs", (Assets + Orchestra.DagSource("consumer", "dag.Empty(\"report\");"))
            .Replace("new Dag(\"consumer\",", "new Dag(\"consumer\", schedule: Lake.Orders | Lake.Customers,", StringComparison.Ordinal));
        await _api.Orchestra.ProcessAsync();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Assets_ShowWhoSchedulesOnThemAndWhoUpdatesThem_AndTheDagShowsItsAssetExpression()
    {
        var viewer = await _api.AsAsync("viewer");
        var list = await JsonAsync(await viewer.GetAsync("api/v2/assets?order_by=name"));
        Assert.Equal(2, list["total_entries"]!.GetValue<int>());
        var orders = list["assets"]!.AsArray().Single(a => (string?)a!["name"] == "orders")!;
        Assert.Equal("s3://lake/orders", (string?)orders["uri"]);
        Assert.Equal("asset", (string?)orders["group"]);
        Assert.Equal(["consumer"], orders["scheduled_dags"]!.AsArray().Select(d => (string?)d!["dag_id"]));
        Assert.Equal("producer", (string?)orders["producing_tasks"]![0]!["dag_id"]);
        Assert.Equal("export", (string?)orders["producing_tasks"]![0]!["task_id"]);
        Assert.Null(orders["last_asset_event"]!["id"]?.GetValue<long?>());

        var customers = list["assets"]!.AsArray().Single(a => (string?)a!["name"] == "customers")!;
        Assert.Equal("customers", (string?)customers["uri"]);
        var one = await JsonAsync(await viewer.GetAsync($"api/v2/assets/{(long)orders["id"]!}"));
        Assert.Equal("orders", (string?)one["name"]);
        Assert.Equal(1, (await JsonAsync(await viewer.GetAsync("api/v2/assets?name_pattern=ORD")))["total_entries"]!.GetValue<int>());
        Assert.Equal(1, (await JsonAsync(await viewer.GetAsync("api/v2/assets?dag_ids=producer")))["total_entries"]!.GetValue<int>());

        var details = await JsonAsync(await viewer.GetAsync("api/v2/dags/consumer/details"));
        Assert.Equal("Asset", (string?)details["timetable_summary"]);
        var expression = details["asset_expression"]!["any"]!.AsArray();
        Assert.Equal(["orders", "customers"], expression.Select(e => (string?)e!["asset"]!["name"]));
    }

    [Fact]
    public async Task AnEventPostedFromOutside_IsRecordedWithItsExtra_StartsTheConsumer_WhichShowsTheEventsItConsumed()
    {
        var user = await _api.AsAsync("user");
        var orders = await new AssetStore(_api.Orchestra.Database).GetByNameAsync("orders");
        using var posted = await user.PostAsJsonAsync("api/v2/assets/events", new { asset_id = orders!.Id, extra = new { batch = 7, api_token = "s3cr3t" } });
        Assert.Equal(HttpStatusCode.OK, posted.StatusCode);
        var @event = await JsonAsync(posted);
        Assert.Equal(orders.Id, (long)@event["asset_id"]!);
        Assert.Equal(7, (int)@event["extra"]!["batch"]!);
        Assert.True((bool)@event["extra"]!["from_rest_api"]!);
        Assert.Equal("***", (string?)@event["extra"]!["api_token"]);
        Assert.Null(@event["source_dag_id"]?.GetValue<string>());
        Assert.Equal(-1, (int)@event["source_map_index"]!);

        var (engine, executor) = _api.Orchestra.NewScheduler();
        await _api.Orchestra.RunToCompletionAsync(engine, executor);
        var run = Assert.Single(await new DagRunStore(_api.Orchestra.Database).ListAsync("consumer"));

        var viewer = await _api.AsAsync("viewer");
        var upstream = await JsonAsync(await viewer.GetAsync($"api/v2/dags/consumer/dagRuns/{run.RunId}/upstreamAssetEvents"));
        Assert.Equal(1, (int)upstream["total_entries"]!);
        Assert.Equal((long)@event["id"]!, (long)upstream["asset_events"]![0]!["id"]!);
        var events = await JsonAsync(await viewer.GetAsync($"api/v2/assets/events?asset_id={orders.Id}"));
        var created = events["asset_events"]![0]!["created_dagruns"]!.AsArray();
        Assert.Equal(run.RunId, (string?)created.Single()!["run_id"]);
        var dagRun = await JsonAsync(await viewer.GetAsync($"api/v2/dags/consumer/dagRuns/{run.RunId}"));
        Assert.Equal("asset_triggered", (string?)dagRun["run_type"]);
        var asset = await JsonAsync(await viewer.GetAsync($"api/v2/assets/{orders.Id}"));
        Assert.Equal((long)@event["id"]!, (long)asset["last_asset_event"]!["id"]!);
    }

    [Fact]
    public async Task BadInput_UnknownAsset404_UnknownField422_ViewerCannotPost()
    {
        var user = await _api.AsAsync("user");
        using var unknown = await user.PostAsJsonAsync("api/v2/assets/events", new { asset_id = 424242 });
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("Asset with ID: `424242` was not found", (string?)(await JsonAsync(unknown))["detail"]);

        using var extraField = await user.PostAsJsonAsync("api/v2/assets/events", new { asset_id = 1, color = "red" });
        Assert.Equal(HttpStatusCode.UnprocessableEntity, extraField.StatusCode);

        using var missing = await (await _api.AsAsync("viewer")).GetAsync("api/v2/assets/424242");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("The Asset with ID: `424242` was not found", (string?)(await JsonAsync(missing))["detail"]);

        using var notAnId = await (await _api.AsAsync("viewer")).GetAsync("api/v2/assets/abc");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notAnId.StatusCode);
        Assert.Equal("int_parsing", (string?)(await JsonAsync(notAnId))["detail"]![0]!["type"]);

        using var denied = await (await _api.AsAsync("viewer")).PostAsJsonAsync("api/v2/assets/events", new { asset_id = 1 });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        await using var connection = await _api.Orchestra.Database.OpenAsync();
        Assert.Equal(0, await Dapper.SqlMapper.ExecuteScalarAsync<int>(connection, "SELECT count(*) FROM asset_event"));
    }

    [Fact]
    public async Task QueuedEvents_AreListedByAssetAndByDag_AndDeletingThemMeansTheConsumerDoesNotRun()
    {
        var assets = new AssetStore(_api.Orchestra.Database);
        var orders = await assets.GetByNameAsync("orders");
        var customers = await assets.GetByNameAsync("customers");
        await assets.RecordEventAsync(orders!.Id, [], TimeProvider.System.GetUtcNow());
        await assets.RecordEventAsync(customers!.Id, [], TimeProvider.System.GetUtcNow());

        var viewer = await _api.AsAsync("viewer");
        var byAsset = await JsonAsync(await viewer.GetAsync($"api/v2/assets/{orders.Id}/queuedEvents"));
        Assert.Equal(1, (int)byAsset["total_entries"]!);
        Assert.Equal(("consumer", orders.Id), ((string?)byAsset["queued_events"]![0]!["dag_id"], (long)byAsset["queued_events"]![0]!["asset_id"]!));
        Assert.NotNull((string?)byAsset["queued_events"]![0]!["created_at"]);
        var byDag = await JsonAsync(await viewer.GetAsync("api/v2/dags/consumer/assets/queuedEvents"));
        Assert.Equal(2, (int)byDag["total_entries"]!);
        var one = await JsonAsync(await viewer.GetAsync($"api/v2/dags/consumer/assets/{customers.Id}/queuedEvents"));
        Assert.Equal(customers.Id, (long)one["asset_id"]!);

        // Events queued before a time long past: none.
        using var none = await viewer.GetAsync($"api/v2/assets/{orders.Id}/queuedEvents?before=2000-01-01T00:00:00Z");
        Assert.Equal(HttpStatusCode.NotFound, none.StatusCode);
        Assert.Equal($"Queue event with asset_id: `{orders.Id}` was not found", (string?)(await JsonAsync(none))["detail"]);

        // A viewer may not delete; an Op may, one asset of one DAG, then the rest of the DAG's queue.
        using var denied = await viewer.DeleteAsync("api/v2/dags/consumer/assets/queuedEvents");
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
        var op = await _api.AsAsync("op");
        using var deletedOne = await op.DeleteAsync($"api/v2/dags/consumer/assets/{orders.Id}/queuedEvents");
        Assert.Equal(HttpStatusCode.NoContent, deletedOne.StatusCode);
        Assert.Equal(1, (int)(await JsonAsync(await viewer.GetAsync("api/v2/dags/consumer/assets/queuedEvents")))["total_entries"]!);
        using var deletedRest = await op.DeleteAsync("api/v2/dags/consumer/assets/queuedEvents");
        Assert.Equal(HttpStatusCode.NoContent, deletedRest.StatusCode);
        using var again = await op.DeleteAsync("api/v2/dags/consumer/assets/queuedEvents");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);

        var (engine, executor) = _api.Orchestra.NewScheduler();
        await _api.Orchestra.RunToCompletionAsync(engine, executor);
        Assert.Empty(await new DagRunStore(_api.Orchestra.Database).ListAsync("consumer"));
    }

    [Fact]
    public async Task Materialize_RunsTheOneDagThatUpdatesTheAsset_AndSaysWhenNoneOrSeveralDo()
    {
        var assets = new AssetStore(_api.Orchestra.Database);
        var orders = await assets.GetByNameAsync("orders");
        var customers = await assets.GetByNameAsync("customers");

        using var denied = await (await _api.AsAsync("viewer")).PostAsync($"api/v2/assets/{orders!.Id}/materialize", null);
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);

        var user = await _api.AsAsync("user");
        using var materialized = await user.PostAsync($"api/v2/assets/{orders.Id}/materialize", null);
        Assert.Equal(HttpStatusCode.OK, materialized.StatusCode);
        var run = await JsonAsync(materialized);
        Assert.Equal(("producer", "manual", "queued"), ((string?)run["dag_id"], (string?)run["run_type"], (string?)run["state"]));
        Assert.Single(await new DagRunStore(_api.Orchestra.Database).ListAsync("producer"));

        using var nobody = await user.PostAsync($"api/v2/assets/{customers!.Id}/materialize", null);
        Assert.Equal(HttpStatusCode.NotFound, nobody.StatusCode);
        Assert.Equal($"No DAG materializes asset with ID: {customers.Id}", (string?)(await JsonAsync(nobody))["detail"]);

        _api.Orchestra.WriteDag("producer2.cs", "public static class Lake2 { public static readonly Asset Orders = new(\"orders\", \"s3://lake/orders\"); }\n"
            + Orchestra.DagSource("producer2", "dag.Empty(\"export\").With(t => t.Outlets = [Lake2.Orders]);"));
        await _api.Orchestra.ProcessAsync();
        using var several = await user.PostAsync($"api/v2/assets/{orders.Id}/materialize", null);
        Assert.Equal(HttpStatusCode.Conflict, several.StatusCode);
        Assert.Equal($"More than one DAG materializes asset with ID: {orders.Id}", (string?)(await JsonAsync(several))["detail"]);
    }

    [Fact]
    public async Task Aliases_AreListedAndShownWithTheAssetsThatJoinedThem()
    {
        _api.Orchestra.WriteDag("partitions.cs", Orchestra.DagSource("partitions", """
            var partitions = new AssetAlias("partitions");
            dag.Task("export", ctx => { ctx.OutletEvents[partitions].Add(new Asset("orders")); }).With(t => t.Outlets = [partitions]);
            """));
        await _api.Orchestra.ProcessAsync();
        var (engine, executor) = _api.Orchestra.NewScheduler();
        await _api.Orchestra.TriggerAsync("partitions");
        await _api.Orchestra.RunToCompletionAsync(engine, executor);

        var viewer = await _api.AsAsync("viewer");
        var list = await JsonAsync(await viewer.GetAsync("api/v2/assets/aliases?name_pattern=PART"));
        Assert.Equal(1, (int)list["total_entries"]!);
        var alias = list["asset_aliases"]![0]!;
        Assert.Equal(("partitions", "asset"), ((string?)alias["name"], (string?)alias["group"]));
        var one = await JsonAsync(await viewer.GetAsync($"api/v2/assets/aliases/{(long)alias["id"]!}"));
        Assert.Equal("partitions", (string?)one["name"]);

        var orders = await new AssetStore(_api.Orchestra.Database).GetByNameAsync("orders");
        var asset = await JsonAsync(await viewer.GetAsync($"api/v2/assets/{orders!.Id}"));
        Assert.Equal(["partitions"], asset["aliases"]!.AsArray().Select(a => (string?)a!["name"]));
        var events = await JsonAsync(await viewer.GetAsync($"api/v2/assets/events?asset_id={orders.Id}"));
        Assert.Equal("partitions", (string?)events["asset_events"]![0]!["source_dag_id"]);

        using var missing = await viewer.GetAsync("api/v2/assets/aliases/424242");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("The Asset Alias with ID: `424242` was not found", (string?)(await JsonAsync(missing))["detail"]);
        using var notAnId = await viewer.GetAsync("api/v2/assets/aliases/x");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, notAnId.StatusCode);
    }

    [Fact]
    public async Task AWebhookWatcher_TakesSignedDeliveriesOnly_AndEachStartsTheDagScheduledOnTheAsset()
    {
        const string Secret = "whsec-Very-Private";
        await _api.Services.GetRequiredService<SecretStore>().ImportConnectionsAsync([new Core.Connections.Connection("github_hook", "generic") { Password = Secret }], overwrite: true);
        _api.Orchestra.WriteDag("pushed.cs", Orchestra.DagSource("pushed", """
            dag.Task("build", ctx => ctx.TriggeringAssetEvents.Single().Extra["body"]!["ref"]!.GetValue<string>());
            """).Replace("new Dag(\"pushed\",", "new Dag(\"pushed\", schedule: new Asset(\"repo\") { Watchers = [new AssetWatcher(\"github_push\", new WebhookTrigger { SecretConnectionId = \"github_hook\" })] },", StringComparison.Ordinal));
        _api.Orchestra.WriteDag("nosecret.cs", Orchestra.DagSource("nosecret", "dag.Empty(\"work\");")
            .Replace("new Dag(\"nosecret\",", "new Dag(\"nosecret\", schedule: new Asset(\"other\") { Watchers = [new AssetWatcher(\"no_secret\", new WebhookTrigger { SecretConnectionId = \"missing_conn\" })] },", StringComparison.Ordinal));
        await _api.Orchestra.ProcessAsync();

        var body = """{"ref":"refs/heads/main","pusher":{"name":"ada"}}"""u8.ToArray();

        // Unsigned, wrongly signed, signed for another body: refused, and nothing recorded.
        using (var unsigned = await PostWebhookAsync("github_push", body, null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }

        using (var wrong = await PostWebhookAsync("github_push", body, Sign(body, "guess")))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal("The delivery's X-Hub-Signature-256 signature does not match.", (string?)(await JsonAsync(wrong))["detail"]);
        }

        using (var tampered = await PostWebhookAsync("github_push", "{\"ref\":\"refs/heads/evil\"}"u8.ToArray(), Sign(body, Secret)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, tampered.StatusCode);
        }

        using (var unknown = await PostWebhookAsync("nobody", body, Sign(body, Secret)))
        {
            Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        }

        using (var noSecret = await PostWebhookAsync("no_secret", body, Sign(body, Secret)))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, noSecret.StatusCode);
            Assert.DoesNotContain("missing_conn", await noSecret.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }

        await using (var connection = await _api.Orchestra.Database.OpenAsync())
        {
            Assert.Equal(0, await Dapper.SqlMapper.ExecuteScalarAsync<int>(connection, "SELECT count(*) FROM asset_event"));
            // No triggerer holds a webhook watcher: its deliveries come to the API server.
            var (total, unclaimed) = await new TriggerStore(_api.Orchestra.Database).CountAsync();
            Assert.Equal((0, 0), (total, unclaimed));

            // The watcher's arguments are stored encrypted with [core] fernet_key, as every trigger's are.
            var stored = await Dapper.SqlMapper.ExecuteScalarAsync<string>(
                connection, "SELECT t.kwargs FROM triggers t JOIN asset_watcher w ON w.trigger_id = t.id WHERE w.name = 'github_push'");
            Assert.DoesNotContain("github_hook", stored, StringComparison.Ordinal);
            Assert.StartsWith("gAAAAA", stored, StringComparison.Ordinal);
        }

        using var accepted = await PostWebhookAsync("github_push", body, Sign(body, Secret));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var receipt = await JsonAsync(accepted);
        Assert.Equal("repo", (string?)receipt["asset"]);
        Assert.DoesNotContain(Secret, receipt.ToJsonString(), StringComparison.Ordinal);

        var (engine, executor) = _api.Orchestra.NewScheduler();
        await _api.Orchestra.RunToCompletionAsync(engine, executor);
        var run = Assert.Single(await new DagRunStore(_api.Orchestra.Database).ListAsync("pushed"));
        Assert.Equal(Core.States.DagRunState.Success, run.State);
        Assert.Equal("\"refs/heads/main\"", await new DatabaseXComStore(_api.Orchestra.Database, TimeProvider.System).GetAsync(new("pushed", run.RunId, "build", -1, "return_value")));
        var repo = await new AssetStore(_api.Orchestra.Database).GetByNameAsync("repo");
        var events = await JsonAsync(await (await _api.AsAsync("viewer")).GetAsync($"api/v2/assets/events?asset_id={repo!.Id}"));
        var @event = Assert.Single(events["asset_events"]!.AsArray())!;
        Assert.Equal((long)receipt["asset_event_id"]!, (long)@event["id"]!);
        Assert.Equal("github_push", (string?)@event["extra"]!["from_webhook"]);
        Assert.Equal("ada", (string?)@event["extra"]!["body"]!["pusher"]!["name"]);
    }

    [Fact]
    public async Task AWebhookWatcherOfAPausedDag_RefusesDeliveries_409_RecordsNothing_AndTakesThemAgainOnceUnpaused()
    {
        const string Secret = "whsec-Paused";
        await _api.Services.GetRequiredService<SecretStore>().ImportConnectionsAsync([new Core.Connections.Connection("deploy_hook", "generic") { Password = Secret }], overwrite: true);
        _api.Orchestra.WriteDag("deployed.cs", Orchestra.DagSource("deployed", "dag.Empty(\"notify\");")
            .Replace("new Dag(\"deployed\",", "new Dag(\"deployed\", schedule: new Asset(\"release\") { Watchers = [new AssetWatcher(\"deploys\", new WebhookTrigger { SecretConnectionId = \"deploy_hook\" })] },", StringComparison.Ordinal));
        await _api.Orchestra.ProcessAsync();
        var dags = new DagStore(_api.Orchestra.Database);
        Assert.True(await dags.SetPausedAsync("deployed", paused: true));
        var body = """{"version":"1.2.3"}"""u8.ToArray();

        using (var paused = await PostWebhookAsync("deploys", body, Sign(body, Secret)))
        {
            Assert.Equal(HttpStatusCode.Conflict, paused.StatusCode);
            Assert.Equal("Webhook 'deploys' is inactive: DAG 'deployed', which declares it, is paused; the delivery was not recorded.", (string?)(await JsonAsync(paused))["detail"]);
        }

        // Unsigned, it is refused as any unsigned delivery is: the sender's signature comes before the DAG's state.
        using (var unsigned = await PostWebhookAsync("deploys", body, null))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unsigned.StatusCode);
        }

        var release = await new AssetStore(_api.Orchestra.Database).GetByNameAsync("release");
        async Task<int> EventsAsync()
        {
            await using var connection = await _api.Orchestra.Database.OpenAsync();
            return await Dapper.SqlMapper.ExecuteScalarAsync<int>(connection, "SELECT count(*) FROM asset_event WHERE asset_id = @Id", new { release!.Id });
        }

        Assert.Equal(0, await EventsAsync());

        Assert.True(await dags.SetPausedAsync("deployed", paused: false));
        using var accepted = await PostWebhookAsync("deploys", body, Sign(body, Secret));
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        Assert.Equal(1, await EventsAsync());
    }

    private static string Sign(byte[] payload, string key) => "sha256=" + Convert.ToHexStringLower(System.Security.Cryptography.HMACSHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), payload));

    private async Task<HttpResponseMessage> PostWebhookAsync(string watcher, byte[] payload, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"webhooks/{watcher}") { Content = new ByteArrayContent(payload) };
        request.Content.Headers.ContentType = new("application/json");
        if (signature is not null)
        {
            request.Headers.Add("X-Hub-Signature-256", signature);
        }

        return await _api.Anonymous.SendAsync(request);
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode || (int)response.StatusCode >= 400, text);
        return JsonNode.Parse(text)!.AsObject();
    }
}

public sealed class SqliteAssetApiTests : AssetApiTests
{
    protected override string? DatabaseUri => null;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAssetApiTests(PostgresServer server) : AssetApiTests
{
    protected override string? DatabaseUri => server.CreateDatabase();
}
