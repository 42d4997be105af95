using System.Text.Json.Nodes;

namespace Updraft.Cli.Tests;

public sealed class AssetsCommandTests : IDisposable
{
    private readonly CliRunner _cli = new(loadExamples: false);

    public AssetsCommandTests()
    {
        // orders is updated by producer.export and waited for by consumer; refunds is only waited for.
        _cli.WriteDag("assets.cs", """
            public sealed class AssetDags : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var orders = new Asset("orders", "file:///data/orders.csv");
                    var refunds = new Asset("refunds", "file:///data/refunds.csv");
                    var producer = new Dag("producer", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
                    producer.Task("export", ctx => 1).With(t => t.Outlets = [orders]);
                    yield return producer;
                    var consumer = new Dag("consumer", schedule: orders | refunds, startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
                    consumer.Task("report", ctx => ctx.TriggeringAssetEvents.Count);
                    yield return consumer;
                }
            }
            """);
    }

    public void Dispose() => _cli.Dispose();

    private async Task<Dictionary<string, string>> DetailsAsync(params string[] select)
    {
        var (exit, output, error) = await _cli.RunAsync(["assets", "details", .. select, "-o", "json"]);
        Assert.True(exit == 0, error + output);
        return JsonNode.Parse(output)!.AsArray().ToDictionary(r => r!["property_name"]!.GetValue<string>(), r => r!["property_value"]!.GetValue<string>());
    }

    [Fact]
    public async Task List_BeforeParsing_NoData_AfterParsing_EveryAssetByName()
    {
        Assert.Equal((0, "No data found"), await ListAsync());
        Assert.Equal(0, (await _cli.RunAsync("dags", "reserialize")).Exit);

        var (exit, output, _) = await _cli.RunAsync("assets", "list", "-o", "json");

        Assert.Equal(0, exit);
        var rows = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(["orders", "refunds"], rows.Select(r => r!["name"]!.GetValue<string>()));
        Assert.Equal(["file:///data/orders.csv", "file:///data/refunds.csv"], rows.Select(r => r!["uri"]!.GetValue<string>()));
        Assert.All(rows, r => Assert.Equal("asset", r!["group"]!.GetValue<string>()));

        async Task<(int, string)> ListAsync()
        {
            var (e, o, _) = await _cli.RunAsync("assets", "list");
            return (e, o.Trim());
        }
    }

    [Fact]
    public async Task Details_ByNameOrUri_ShowsProducersConsumersAndNoEventYet()
    {
        Assert.Equal(0, (await _cli.RunAsync("dags", "reserialize")).Exit);

        var byName = await DetailsAsync("--name", "orders");
        var byUri = await DetailsAsync("--uri", "file:///data/orders.csv");

        Assert.Equal(byName, byUri);
        Assert.Equal("orders", byName["name"]);
        Assert.Equal("file:///data/orders.csv", byName["uri"]);
        Assert.Equal("consumer", byName["scheduled_dags"]);
        Assert.Equal("producer.export", byName["producing_tasks"]);
        Assert.Equal("", byName["last_asset_event"]);
        Assert.Equal("", (await DetailsAsync("--name", "refunds"))["producing_tasks"]);
    }

    [Fact]
    public async Task Event_RecordsAnEvent_ShownAsTheLatestInDetails()
    {
        Assert.Equal(0, (await _cli.RunAsync("dags", "reserialize")).Exit);

        var (exit, output, error) = await _cli.RunAsync("assets", "event", "--name", "refunds", "--extra", "{\"rows\": 5}");

        Assert.True(exit == 0, error + output);
        Assert.Equal("Recorded event 1 of asset refunds; the DAGs scheduled on it run on the scheduler's next pass.", output.Trim());
        Assert.StartsWith("1 at ", (await DetailsAsync("--name", "refunds"))["last_asset_event"], StringComparison.Ordinal);
        Assert.Equal("", (await DetailsAsync("--name", "orders"))["last_asset_event"]);
        Assert.Equal(0, (await _cli.RunAsync("assets", "event", "--uri", "file:///data/orders.csv")).Exit);
        Assert.StartsWith("2 at ", (await DetailsAsync("--name", "orders"))["last_asset_event"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Materialize_TriggersTheProducingDag_OnceItIsUnpaused()
    {
        Assert.Equal(0, (await _cli.RunAsync("dags", "reserialize")).Exit);
        var (exit, _, error) = await _cli.RunAsync("assets", "materialize", "--name", "orders");
        Assert.Equal((1, "Error: DAG 'producer' is paused; unpause it first with 'updraft dags unpause producer'.\n"), (exit, error));
        Assert.Equal(0, (await _cli.RunAsync("dags", "unpause", "producer")).Exit);

        var (materialized, output, _) = await _cli.RunAsync("assets", "materialize", "--uri", "file:///data/orders.csv");

        Assert.Equal(0, materialized);
        Assert.Matches(@"^Created manual__\S+ of producer \(queued\) to materialize asset orders\.$", output.Trim());
        var run = Assert.Single(JsonNode.Parse((await _cli.RunAsync("dags", "list-runs", "producer", "-o", "json")).Out)!.AsArray())!;
        Assert.Equal("queued", run["state"]!.GetValue<string>());
        Assert.Contains(run["run_id"]!.GetValue<string>(), output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "assets", "details", "--name", "nope" }, "Error: Asset with name nope does not exist.")]
    [InlineData(new[] { "assets", "details", "--uri", "file:///nope" }, "Error: Asset with URI file:///nope does not exist.")]
    [InlineData(new[] { "assets", "details", "--name", "orders", "--uri", "file:///other.csv" }, "Error: Asset with name orders and URI file:///other.csv does not exist.")]
    [InlineData(new[] { "assets", "event", "--name", "nope" }, "Error: Asset with name nope does not exist.")]
    [InlineData(new[] { "assets", "materialize", "--name", "nope" }, "Error: Asset with name nope does not exist.")]
    [InlineData(new[] { "assets", "materialize", "--name", "refunds" }, "Error: No DAG materializes asset refunds.")]
    [InlineData(new[] { "assets", "event" }, "Error: Either --name or --uri is required.")]
    [InlineData(new[] { "assets", "event", "--name", "orders", "--extra", "[1]" }, "Error: --extra must be a JSON object.")]
    public async Task BadInput_OneLineErrorAndExitOne(string[] args, string message)
    {
        Assert.Equal(0, (await _cli.RunAsync("dags", "reserialize")).Exit);

        var (exit, output, error) = await _cli.RunAsync(args);

        Assert.Equal((1, message + "\n", ""), (exit, error, output));
    }

    [Fact]
    public async Task Event_UnknownAsset_RecordsNothing()
    {
        Assert.Equal(0, (await _cli.RunAsync("dags", "reserialize")).Exit);

        Assert.Equal(1, (await _cli.RunAsync("assets", "event", "--name", "nope")).Exit);

        Assert.Equal(0, (await _cli.RunAsync("assets", "event", "--name", "orders")).Exit);
        Assert.StartsWith("1 at ", (await DetailsAsync("--name", "orders"))["last_asset_event"], StringComparison.Ordinal);
    }
}
