using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
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
