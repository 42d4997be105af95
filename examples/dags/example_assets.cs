// Assets (Airflow 3's data-aware scheduling): a task lists the assets it updates in Outlets, and each success records
// an event for each. A DAG scheduled on assets runs when its condition holds — all of them (a & b), any (a | b),
// nested — and its run carries the events that started it. Events can also come from outside:
// POST /api/v2/assets/events or `updraft assets event --name orders`. An alias takes the assets a task decides on
// while it runs (here one file per day), and a DAG scheduled on the alias runs on each of them.
public sealed class ExampleAssets : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        const string Folder = "/tmp/updraft_example_assets";
        var orders = new Asset("orders", $"file://{Folder}/orders.csv");
        var customers = new Asset("customers", $"file://{Folder}/customers.csv");
        var corrections = new Asset("corrections", $"file://{Folder}/corrections.csv");

        var producer = new Dag("example_asset_producer", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "assets"],
        };
        producer.Task("export_orders", ctx =>
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllLines($"{Folder}/orders.csv", ["id,amount", "1,20", "2,35", "3,12"]);
            ctx.OutletEvents[orders]["rows"] = 3;
        }).With(t => t.Outlets = [orders]);
        producer.Task("export_customers", ctx =>
        {
            Directory.CreateDirectory(Folder);
            File.WriteAllLines($"{Folder}/customers.csv", ["id,name", "1,Ada", "2,Grace"]);
        }).With(t => t.Outlets = [customers]);
        var dailyFiles = new AssetAlias("daily_order_files");
        producer.Task("export_daily_file", ctx =>
        {
            var path = $"{Folder}/orders_{ctx.Ds}.csv";
            Directory.CreateDirectory(Folder);
            File.WriteAllLines(path, ["id,amount", "1,20"]);
            ctx.OutletEvents[dailyFiles].Add(new Asset($"orders_{ctx.Ds}", $"file://{path}"), new JsonObject { ["day"] = ctx.Ds });
        }).With(t => t.Outlets = [dailyFiles]);
        yield return producer;

        // Runs on every asset added to the alias: this day's file, whichever it is.
        var daily = new Dag("example_asset_alias_consumer", schedule: dailyFiles, startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example", "assets"],
        };
        daily.Task("load_day", ctx => string.Join(", ", ctx.TriggeringAssetEvents.Select(e => e.Uri)));
        yield return daily;

        // Runs once both files were updated since its last run.
        var consumer = new Dag("example_asset_consumer", schedule: orders & customers, startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example", "assets"],
        };
        consumer.Task("report", ctx =>
        {
            foreach (var e in ctx.TriggeringAssetEvents)
            {
                ctx.Log.Info($"{e.AssetName} was updated at {e.Timestamp:O} by {e.SourceDagId ?? "the API"}.{e.SourceTaskId}, extra {e.Extra.ToJsonString()}");
            }

            return ctx.TriggeringAssetEvents.Count;
        });
        yield return consumer;

        // Runs every week, and also whenever either file was updated.
        var either = new Dag("example_asset_or_time", schedule: Schedule.AssetOrTime("@weekly", orders | customers), startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "assets"],
        };
        either.Task("refresh", ctx => ctx.Log.Info($"refreshing after {ctx.TriggeringAssetEvents.Count} asset event(s) ({ctx.DagRun.RunType})"));
        yield return either;

        // Nested: both files were updated, or someone posted a correction (updraft assets event --name corrections).
        var nested = new Dag("example_asset_nested_condition", schedule: (orders & customers) | corrections, startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example", "assets"],
        };
        nested.Task("rebuild", ctx => ctx.Log.Info($"rebuilding after {string.Join(", ", ctx.TriggeringAssetEvents.Select(e => e.AssetName))}"));
        yield return nested;
    }
}
