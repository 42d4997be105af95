using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft pools set | get | list | delete | import | export</c>.</summary>
internal static class PoolsCommands
{
    private static readonly string[] Columns = ["pool", "slots", "description", "include_deferred", "running_slots", "queued_slots", "deferred_slots"];

    public static Command Create(Func<CliContext> context)
    {
        var pools = new Command("pools", "Manage pools: named numbers of slots shared by the tasks that use them.");

        var name = new Argument<string>("name") { Description = "The pool." };
        var slots = new Argument<int>("slots") { Description = "How many slots." };
        var description = new Argument<string?>("description") { Description = "What the pool is for.", Arity = ArgumentArity.ZeroOrOne };
        var includeDeferred = new Option<bool>("--include-deferred") { Description = "Deferred tasks in the pool take their slots (as running and queued ones do)." };
        var set = new Command("set", "Create or update a pool.") { name, slots, description, includeDeferred };
        set.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            await new PoolStore(await ctx.ReadyDatabaseAsync(cancellationToken)).SetAsync(
                parse.GetValue(name)!, parse.GetValue(slots), parse.GetValue(description), parse.GetValue(includeDeferred), cancellationToken);
            ctx.Environment.Out.WriteLine($"Pool {parse.GetValue(name)} set to {parse.GetValue(slots)} slots.");
            return 0;
        });

        var getName = new Argument<string>("name") { Description = "The pool." };
        var getOutput = CommonOptions.Output();
        var get = new Command("get", "Show a pool.") { getName, getOutput };
        get.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var all = await new PoolStore(await ctx.ReadyDatabaseAsync(cancellationToken)).ListAsync(cancellationToken);
            var found = all.Where(p => p.Pool == parse.GetValue(getName)).ToList();
            if (found.Count == 0)
            {
                throw new CliException($"Pool '{parse.GetValue(getName)}' not found.");
            }

            Rows.Write(ctx.Environment.Out, parse.GetValue(getOutput), Columns, found.Select(Row).ToList());
            return 0;
        });

        var listOutput = CommonOptions.Output();
        var list = new Command("list", "List pools with their slots and use.") { listOutput };
        list.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var all = await new PoolStore(await ctx.ReadyDatabaseAsync(cancellationToken)).ListAsync(cancellationToken);
            Rows.Write(ctx.Environment.Out, parse.GetValue(listOutput), Columns, all.Select(Row).ToList());
            return 0;
        });

        var deleteName = new Argument<string>("name") { Description = "The pool." };
        var delete = new Command("delete", "Delete a pool.") { deleteName };
        delete.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            if (!await new PoolStore(await ctx.ReadyDatabaseAsync(cancellationToken)).DeleteAsync(parse.GetValue(deleteName)!, cancellationToken))
            {
                throw new CliException($"Pool '{parse.GetValue(deleteName)}' not found.");
            }

            ctx.Environment.Out.WriteLine($"Pool {parse.GetValue(deleteName)} deleted.");
            return 0;
        });

        var exportFile = new Argument<string>("file") { Description = "A .json file to write." };
        var export = new Command("export", "Export pools to a JSON file.") { exportFile };
        export.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var all = await new PoolStore(await ctx.ReadyDatabaseAsync(cancellationToken)).ListAsync(cancellationToken);
            var json = new JsonObject(all.Select(p => KeyValuePair.Create(p.Pool, (JsonNode?)new JsonObject { ["slots"] = p.Slots, ["description"] = p.Description, ["include_deferred"] = p.IncludeDeferred })));
            await CliFiles.WriteAsync(parse.GetValue(exportFile)!, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", secret: false, cancellationToken);
            ctx.Environment.Out.WriteLine($"Exported {all.Count} pools to {parse.GetValue(exportFile)}.");
            return 0;
        });

        var importFile = new Argument<string>("file") { Description = "A JSON object of pool → {\"slots\": N, \"description\": \"…\", \"include_deferred\": false}." };
        var import = new Command("import", "Import pools from a JSON file.") { importFile };
        import.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var path = parse.GetValue(importFile)!;
            var pools = ParseImport(path, await CliFiles.ReadObjectAsync(path, "pools", cancellationToken));
            await new PoolStore(await ctx.ReadyDatabaseAsync(cancellationToken)).ImportAsync(pools, cancellationToken);
            ctx.Environment.Out.WriteLine($"Imported {pools.Count} pools from {path}.");
            return 0;
        });

        pools.Add(set);
        pools.Add(get);
        pools.Add(list);
        pools.Add(delete);
        pools.Add(export);
        pools.Add(import);
        return pools;
    }

    /// <summary>Every entry checked before any is written; the first bad one is named.</summary>
    private static List<PoolSpec> ParseImport(string path, JsonObject pools)
    {
        var specs = new List<PoolSpec>(pools.Count);
        foreach (var (pool, spec) in pools)
        {
            if (spec is not JsonObject fields)
            {
                throw new CliException($"Pool '{pool}' in {path} must be an object like {{\"slots\": 4, \"description\": \"…\"}}.");
            }

            if (fields["slots"] is not JsonValue slots || slots.GetValueKind() != JsonValueKind.Number || !slots.TryGetValue<int>(out var count))
            {
                throw new CliException($"Pool '{pool}' in {path} needs a whole number of \"slots\".");
            }

            var description = fields["description"];
            if (description is not null && description.GetValueKind() != JsonValueKind.String)
            {
                throw new CliException($"Pool '{pool}' in {path}: \"description\" must be text, got {description.GetValueKind().ToString().ToLowerInvariant()}.");
            }

            var includeDeferred = fields["include_deferred"];
            if (includeDeferred is not null && includeDeferred.GetValueKind() is not (JsonValueKind.True or JsonValueKind.False))
            {
                throw new CliException($"Pool '{pool}' in {path}: \"include_deferred\" must be true or false, got {includeDeferred.GetValueKind().ToString().ToLowerInvariant()}.");
            }

            var entry = new PoolSpec(pool, count, description?.GetValue<string>(), includeDeferred?.GetValue<bool>() ?? false);
            try
            {
                PoolStore.Check(entry);
            }
            catch (ArgumentException e)
            {
                throw new CliException($"Pool '{pool}' in {path}: {e.Message}");
            }

            specs.Add(entry);
        }

        return specs;
    }

    private static Dictionary<string, object?> Row(PoolUsage p) => DagsCommands.Row(
        ("pool", p.Pool),
        ("slots", p.Slots.ToString(CultureInfo.InvariantCulture)),
        ("description", p.Description),
        ("include_deferred", CliContext.Bool(p.IncludeDeferred)),
        ("running_slots", p.Running.ToString(CultureInfo.InvariantCulture)),
        ("queued_slots", p.Queued.ToString(CultureInfo.InvariantCulture)),
        ("deferred_slots", p.Deferred.ToString(CultureInfo.InvariantCulture)));
}
