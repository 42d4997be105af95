using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft variables set | get | list | delete | import | export</c> and <c>updraft rotate-fernet-key</c>.</summary>
internal static class VariablesCommands
{
    public static IEnumerable<Command> Create(Func<CliContext> context)
    {
        var variables = new Command("variables", "Manage variables (values are stored encrypted with [core] fernet_key).");
        var key = new Argument<string>("key") { Description = "The variable's key." };
        var value = new Argument<string>("value") { Description = "The value (text; use JSON for structured values)." };
        var description = new Option<string?>("--description") { Description = "What the variable is for." };
        var set = new Command("set", "Create or update a variable.") { key, value, description };
        set.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            await (await ctx.SecretStoreAsync(cancellationToken)).SetVariableAsync(parse.GetValue(key)!, parse.GetValue(value)!, parse.GetValue(description), cancellationToken);
            ctx.Environment.Out.WriteLine($"Variable {parse.GetValue(key)} created");
            return 0;
        });

        var getKey = new Argument<string>("key") { Description = "The variable's key." };
        var fallback = new Option<string?>("--default") { Description = "Printed when the variable does not exist (instead of an error)." };
        var get = new Command("get", "Print a variable's value.") { getKey, fallback };
        get.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var found = await (await ctx.SecretStoreAsync(cancellationToken)).GetAsync(parse.GetValue(getKey)!, cancellationToken);
            ctx.Environment.Out.WriteLine(found ?? parse.GetValue(fallback) ?? throw new CliException($"Variable {parse.GetValue(getKey)} does not exist."));
            return 0;
        });

        var output = CommonOptions.Output();
        var list = new Command("list", "List variables' keys.") { output };
        list.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var all = await (await ctx.SecretStoreAsync(cancellationToken)).ListVariablesAsync(cancellationToken);
            Rows.Write(ctx.Environment.Out, parse.GetValue(output), ["key", "description"], all.Select(v => DagsCommands.Row(("key", v.Key), ("description", v.Description))).ToList());
            return 0;
        });

        var deleteKey = new Argument<string>("key") { Description = "The variable's key." };
        var delete = new Command("delete", "Delete a variable.") { deleteKey };
        delete.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            if (!await (await ctx.SecretStoreAsync(cancellationToken)).DeleteVariableAsync(parse.GetValue(deleteKey)!, cancellationToken))
            {
                throw new CliException($"Variable {parse.GetValue(deleteKey)} does not exist.");
            }

            ctx.Environment.Out.WriteLine($"Variable {parse.GetValue(deleteKey)} deleted");
            return 0;
        });

        var exportFile = new Argument<string>("file") { Description = "A .json file to write." };
        var export = new Command("export", "Export all variables to a JSON file only you can read.") { exportFile };
        export.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var path = Path.GetFullPath(parse.GetValue(exportFile)!);
            var all = await (await ctx.SecretStoreAsync(cancellationToken)).ListVariablesAsync(cancellationToken);
            var json = new JsonObject(all.Select(v => KeyValuePair.Create(v.Key, ValueNode(v.Value))));
            await CliFiles.WriteAsync(path, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", secret: true, cancellationToken);
            ctx.Environment.Out.WriteLine($"{all.Count} variables successfully exported to {path}");
            return 0;
        });

        var importFile = new Argument<string>("file") { Description = "A JSON object of key → value (objects and arrays are stored as JSON text)." };
        var import = new Command("import", "Import variables from a JSON file.") { importFile };
        import.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var path = parse.GetValue(importFile)!;
            var values = await CliFiles.ReadObjectAsync(path, "variables", cancellationToken);
            var entries = new List<(string Key, string Value, string? Description)>(values.Count);
            foreach (var (name, node) in values)
            {
                try
                {
                    Core.Runtime.Names.VariableKey(name);
                }
                catch (ArgumentException e)
                {
                    throw new CliException($"Variable '{name}' in {path}: {e.Message}");
                }

                entries.Add((name, node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : node?.ToJsonString() ?? "null", null));
            }

            await (await ctx.SecretStoreAsync(cancellationToken)).ImportVariablesAsync(entries, cancellationToken);
            ctx.Environment.Out.WriteLine($"{values.Count} of {values.Count} variables successfully updated.");
            return 0;
        });

        variables.Add(set);
        variables.Add(get);
        variables.Add(list);
        variables.Add(delete);
        variables.Add(export);
        variables.Add(import);

        var rotate = new Command("rotate-fernet-key", "Re-encrypt stored connections, variables and trigger arguments with the first key in [core] fernet_key.");
        rotate.SetAction(async (_, cancellationToken) =>
        {
            var ctx = context();
            var rotated = await (await ctx.SecretStoreAsync(cancellationToken)).RotateAsync(cancellationToken);
            ctx.Environment.Out.WriteLine($"Rotated {rotated} encrypted value(s) to the first key of [core] fernet_key.");
            return 0;
        });
        return [variables, rotate];
    }

    private static JsonNode? ValueNode(string value)
    {
        try
        {
            return JsonNode.Parse(value) is JsonObject or JsonArray ? JsonNode.Parse(value) : JsonValue.Create(value);
        }
        catch (JsonException)
        {
            return JsonValue.Create(value);
        }
    }
}
