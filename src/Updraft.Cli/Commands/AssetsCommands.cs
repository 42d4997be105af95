using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Scheduling.Operations;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft assets list | details | materialize | event</c> (Airflow's asset commands, and posting an event).</summary>
internal static class AssetsCommands
{
    private static readonly string[] Columns = ["name", "uri", "group", "extra"];

    public static Command Create(Func<CliContext> context)
    {
        var assets = new Command("assets", "Assets: the data tasks update and DAGs are scheduled on.");

        var listOutput = CommonOptions.Output();
        var list = new Command("list", "List the assets DAGs are scheduled on or update, by name.") { listOutput };
        list.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var page = await new AssetStore(await ctx.ReadyDatabaseAsync(cancellationToken)).QueryAsync(
                new AssetQuery(new Storage.Queries.PageRequest { Limit = int.MaxValue, OrderBy = ["name"] }), cancellationToken);
            Rows.Write(ctx.Environment.Out, parse.GetValue(listOutput), Columns, page.Items.Select(Row).ToList());
            return 0;
        });

        var (detailsName, detailsUri) = (NameOption(), UriOption());
        var detailsOutput = CommonOptions.Output();
        var details = new Command("details", "Show one asset: who updates it, which DAGs it starts, its latest event.") { detailsName, detailsUri, detailsOutput };
        details.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var store = new AssetStore(await ctx.ReadyDatabaseAsync(cancellationToken));
            var asset = await FindAsync(store, parse.GetValue(detailsName), parse.GetValue(detailsUri), cancellationToken);
            var relations = await store.RelationsAsync([asset.Id], cancellationToken);
            var latest = relations.LatestEvents.TryGetValue(asset.Id, out var e) ? $"{e.Id} at {e.Timestamp:O}" : "";
            var rows = new List<IReadOnlyDictionary<string, object?>>
            {
                DagsCommands.Row(("property_name", "id"), ("property_value", asset.Id.ToString(CultureInfo.InvariantCulture))),
                DagsCommands.Row(("property_name", "name"), ("property_value", asset.Name)),
                DagsCommands.Row(("property_name", "uri"), ("property_value", asset.Uri)),
                DagsCommands.Row(("property_name", "group"), ("property_value", asset.AssetGroup)),
                DagsCommands.Row(("property_name", "scheduled_dags"), ("property_value", string.Join(", ", relations.Scheduled.Select(r => r.DagId)))),
                DagsCommands.Row(("property_name", "producing_tasks"), ("property_value", string.Join(", ", relations.Producing.Select(r => $"{r.DagId}.{r.TaskId}")))),
                DagsCommands.Row(("property_name", "last_asset_event"), ("property_value", latest)),
            };
            Rows.Write(ctx.Environment.Out, parse.GetValue(detailsOutput), ["property_name", "property_value"], rows);
            return 0;
        });

        var (materializeName, materializeUri) = (NameOption(), UriOption());
        var materialize = new Command("materialize", "Trigger the DAG whose task updates the asset.") { materializeName, materializeUri };
        materialize.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var store = new AssetStore(await ctx.ReadyDatabaseAsync(cancellationToken));
            var asset = await FindAsync(store, parse.GetValue(materializeName), parse.GetValue(materializeUri), cancellationToken);
            var producers = (await store.RelationsAsync([asset.Id], cancellationToken)).Producing.Select(p => p.DagId).Distinct(StringComparer.Ordinal).ToList();
            var dagId = producers.Count switch
            {
                0 => throw new CliException($"No DAG materializes asset {asset.Name}."),
                1 => producers[0],
                _ => throw new CliException($"More than one DAG materializes asset {asset.Name}: {string.Join(", ", producers)}."),
            };
            var run = await (await ctx.ServiceAsync<DagRunService>(cancellationToken)).TriggerAsync(new TriggerRequest(dagId), Actor.Cli, cancellationToken);
            ctx.Environment.Out.WriteLine($"Created {run.RunId} of {dagId} (queued) to materialize asset {asset.Name}.");
            return 0;
        });

        var (eventName, eventUri) = (NameOption(), UriOption());
        var extra = new Option<string?>("--extra", "-e") { Description = "Extra data of the event, a JSON object." };
        var @event = new Command("event", "Record an event of the asset (as POST /api/v2/assets/events does): the DAGs scheduled on it run.") { eventName, eventUri, extra };
        @event.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            JsonObject data;
            try
            {
                data = parse.GetValue(extra) is { } text ? JsonNode.Parse(text) as JsonObject ?? throw new CliException("--extra must be a JSON object.") : [];
            }
            catch (System.Text.Json.JsonException e)
            {
                throw new CliException($"--extra is not valid JSON: {e.Message}");
            }

            var store = new AssetStore(await ctx.ReadyDatabaseAsync(cancellationToken));
            var asset = await FindAsync(store, parse.GetValue(eventName), parse.GetValue(eventUri), cancellationToken);
            data["from_cli"] = true;
            var recorded = await store.RecordEventAsync(asset.Id, data, ctx.Environment.Time.GetUtcNow(), cancellationToken)
                ?? throw new CliException($"Asset {asset.Name} no longer exists.");
            ctx.Environment.Out.WriteLine($"Recorded event {recorded.Id} of asset {asset.Name}; the DAGs scheduled on it run on the scheduler's next pass.");
            return 0;
        });

        assets.Add(list);
        assets.Add(details);
        assets.Add(materialize);
        assets.Add(@event);
        return assets;
    }

    private static Option<string?> NameOption() => new("--name") { Description = "The asset's name." };

    private static Option<string?> UriOption() => new("--uri") { Description = "The asset's URI." };

    /// <summary>The one asset with that name and URI; a clear error when none or several match.</summary>
    private static async Task<AssetRecord> FindAsync(AssetStore store, string? name, string? uri, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(name) && string.IsNullOrEmpty(uri))
        {
            throw new CliException("Either --name or --uri is required.");
        }

        var what = string.Join(" and ", new[] { name is { Length: > 0 } ? $"name {name}" : null, uri is { Length: > 0 } ? $"URI {uri}" : null }.OfType<string>());
        IReadOnlyList<AssetRecord> found = name is { Length: > 0 }
            ? await store.GetByNameAsync(name, cancellationToken) is { } byName && (string.IsNullOrEmpty(uri) || byName.Uri == uri) ? [byName] : []
            : await store.GetByUriAsync(uri!, cancellationToken);
        return found.Count switch
        {
            0 => throw new CliException($"Asset with {what} does not exist."),
            1 => found[0],
            _ => throw new CliException($"More than one asset exists with {what}."),
        };
    }

    private static Dictionary<string, object?> Row(AssetRecord a) => DagsCommands.Row(("name", a.Name), ("uri", a.Uri), ("group", a.AssetGroup), ("extra", a.Extra));
}
