using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Core.Connections;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft connections add | get | list | delete | export | import</c>: connections in the metadata database.</summary>
internal static class ConnectionsCommands
{
    private static readonly string[] Columns = ["conn_id", "conn_type", "description", "host", "schema", "login", "password", "port", "extra"];

    public static Command Create(Func<CliContext> context)
    {
        var connections = new Command("connections", "Manage connections (passwords and extras are stored encrypted with [core] fernet_key).");
        connections.Add(Add(context));
        connections.Add(Get(context));
        connections.Add(List(context));
        connections.Add(Delete(context));
        connections.Add(Export(context));
        connections.Add(Import(context));
        return connections;
    }

    private static Command Add(Func<CliContext> context)
    {
        var connId = new Argument<string>("conn_id") { Description = "The connection id." };
        var uri = new Option<string?>("--conn-uri") { Description = "The connection as a URI, e.g. postgresql://user:pass@host:5432/db." };
        var json = new Option<string?>("--conn-json") { Description = "The connection as JSON (conn_type, host, login, password, schema, port, extra)." };
        var type = new Option<string?>("--conn-type") { Description = "The connection type (with the --conn-* fields)." };
        var host = new Option<string?>("--conn-host");
        var login = new Option<string?>("--conn-login");
        var password = new Option<string?>("--conn-password");
        var schema = new Option<string?>("--conn-schema");
        var port = new Option<int?>("--conn-port");
        var extra = new Option<string?>("--conn-extra") { Description = "Extra settings as a JSON object." };
        var description = new Option<string?>("--conn-description");
        var command = new Command("add", "Add a connection.") { connId, uri, json, type, host, login, password, schema, port, extra, description };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var id = parse.GetValue(connId)!;
            var given = new[] { parse.GetValue(uri) is not null, parse.GetValue(json) is not null, parse.GetValue(type) is not null }.Count(g => g);
            if (given != 1)
            {
                throw new CliException("Give exactly one of --conn-uri, --conn-json or --conn-type (with the other --conn-* fields).");
            }

            var connection = parse.GetValue(uri) is { } u ? Connection.FromUri(id, u)
                : parse.GetValue(json) is { } j ? Connection.FromJson(id, j)
                : new Connection(id, parse.GetValue(type))
                {
                    Host = parse.GetValue(host),
                    Login = parse.GetValue(login),
                    Password = parse.GetValue(password),
                    Schema = parse.GetValue(schema),
                    Port = parse.GetValue(port),
                    Extra = ValidExtra(parse.GetValue(extra)),
                };
            connection.Description ??= parse.GetValue(description);
            var store = await ctx.SecretStoreAsync(cancellationToken);
            if (await store.HasConnectionAsync(id, cancellationToken))
            {
                throw new CliException($"A connection with conn_id '{id}' already exists.");
            }

            await store.SetConnectionAsync(connection, cancellationToken);
            ctx.Environment.Out.WriteLine($"Successfully added conn_id '{id}' ({connection.ConnType}://{connection.Host}).");
            return 0;
        });
        return command;
    }

    private static Command Get(Func<CliContext> context)
    {
        var connId = new Argument<string>("conn_id") { Description = "The connection id." };
        var output = CommonOptions.Output();
        var command = new Command("get", "Show a connection (its password hidden).") { connId, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var id = parse.GetValue(connId)!;
            var found = (await (await ctx.SecretStoreAsync(cancellationToken)).ListConnectionsAsync(id, cancellationToken)).SingleOrDefault()
                ?? throw new CliException($"Connection '{id}' not found.");
            Rows.Write(ctx.Environment.Out, parse.GetValue(output), Columns, [Row(found)]);
            return 0;
        });
        return command;
    }

    private static Command List(Func<CliContext> context)
    {
        var output = CommonOptions.Output();
        var command = new Command("list", "List connections (passwords hidden).") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var all = await (await ctx.SecretStoreAsync(cancellationToken)).ListConnectionsAsync(null, cancellationToken);
            Rows.Write(ctx.Environment.Out, parse.GetValue(output), Columns, all.Select(Row).ToList());
            return 0;
        });
        return command;
    }

    private static Command Delete(Func<CliContext> context)
    {
        var connId = new Argument<string>("conn_id") { Description = "The connection id." };
        var command = new Command("delete", "Delete a connection.") { connId };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var id = parse.GetValue(connId)!;
            if (!await (await ctx.SecretStoreAsync(cancellationToken)).DeleteConnectionAsync(id, cancellationToken))
            {
                throw new CliException($"Connection '{id}' not found.");
            }

            ctx.Environment.Out.WriteLine($"Successfully deleted connection with conn_id '{id}'.");
            return 0;
        });
        return command;
    }

    private static Command Export(Func<CliContext> context)
    {
        var file = new Argument<string>("file") { Description = "Where to write: .json (the default) or .env (conn_id=URI lines)." };
        var command = new Command("export", "Export all connections, passwords included, to a file only you can read.") { file };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var path = Path.GetFullPath(parse.GetValue(file)!);
            var all = await (await ctx.SecretStoreAsync(cancellationToken)).ListConnectionsAsync(null, cancellationToken);
            var text = path.EndsWith(".env", StringComparison.OrdinalIgnoreCase)
                ? string.Concat(all.Select(c => $"{c.ConnId}={c.ToUri()}\n"))
                : new JsonObject(all.Select(c => KeyValuePair.Create(c.ConnId, (JsonNode?)c.ToJson()))).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
            await SecretFiles.WriteAsync(path, text, cancellationToken);
            ctx.Environment.Out.WriteLine($"Connections successfully exported to {path} ({all.Count}).");
            return 0;
        });
        return command;
    }

    private static Command Import(Func<CliContext> context)
    {
        var file = new Argument<string>("file") { Description = "A .json file (as export writes) or .env file (conn_id=URI or JSON lines)." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace connections that exist (default: skip them)." };
        var command = new Command("import", "Import connections from a file.") { file, overwrite };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var path = parse.GetValue(file)!;
            if (!File.Exists(path))
            {
                throw new CliException($"Missing connections file: {path}");
            }

            var text = await File.ReadAllTextAsync(path, cancellationToken);
            var parsed = path.EndsWith(".env", StringComparison.OrdinalIgnoreCase)
                ? text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0 && !l.StartsWith('#')).Select(l =>
                {
                    var eq = l.IndexOf('=', StringComparison.Ordinal);
                    return eq > 0 ? Connection.FromString(l[..eq].Trim(), l[(eq + 1)..].Trim()) : throw new CliException($"Invalid line in {path}: '{l}' (expected conn_id=URI).");
                }).ToList()
                : (JsonNode.Parse(text) as JsonObject ?? throw new CliException($"{path} must hold a JSON object of connections by id."))
                    .Select(p => Connection.FromJson(p.Key, p.Value?.ToJsonString() ?? "{}")).ToList();
            var store = await ctx.SecretStoreAsync(cancellationToken);
            var (added, skipped) = (0, 0);
            foreach (var connection in parsed)
            {
                if (!parse.GetValue(overwrite) && await store.HasConnectionAsync(connection.ConnId, cancellationToken))
                {
                    skipped++;
                    continue;
                }

                await store.SetConnectionAsync(connection, cancellationToken);
                added++;
            }

            ctx.Environment.Out.WriteLine($"Imported {added} connection(s) from {path}; skipped {skipped} that already exist.");
            return 0;
        });
        return command;
    }

    private static Dictionary<string, object?> Row(Connection c) => DagsCommands.Row(
        ("conn_id", c.ConnId),
        ("conn_type", c.ConnType),
        ("description", c.Description),
        ("host", c.Host),
        ("schema", c.Schema),
        ("login", c.Login),
        ("password", c.Password is null ? null : "***"),
        ("port", c.Port?.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("extra", c.Extra is null ? null : "***"));

    private static string? ValidExtra(string? extra)
    {
        if (extra is null)
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(extra) is JsonObject ? extra : throw new CliException("--conn-extra must be a JSON object.");
        }
        catch (JsonException)
        {
            throw new CliException("--conn-extra must be a JSON object.");
        }
    }
}
