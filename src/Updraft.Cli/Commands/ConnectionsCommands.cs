using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;

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
        connections.Add(Test(context));
        return connections;
    }

    private static Command Test(Func<CliContext> context)
    {
        var connId = new Argument<string>("conn_id") { Description = "The connection id." };
        var command = new Command("test", "Test a stored connection by using it once (postgres, sqlite, http, https); needs [core] test_connection = Enabled.") { connId };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            if (!ctx.Config.Get("core", "test_connection").Equals("Enabled", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException("Testing connections is disabled: set [core] test_connection = Enabled (UPDRAFT__CORE__TEST_CONNECTION=Enabled) to allow it.");
            }

            var id = parse.GetValue(connId)!;
            var found = (await (await ctx.SecretStoreAsync(cancellationToken)).ListConnectionsAsync(id, cancellationToken)).SingleOrDefault()
                ?? throw new CliException($"Connection '{id}' not found.");
            var (status, message) = await Scheduling.Operations.ConnectionTester.TestAsync(found, TimeSpan.FromSeconds(10), cancellationToken);
            if (!status)
            {
                throw new CliException($"Connection '{id}' failed the test: {message}");
            }

            ctx.Environment.Out.WriteLine($"Connection '{id}': {message}.");
            return 0;
        });
        return command;
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
            await CliFiles.WriteAsync(path, text, secret: true, cancellationToken);
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
            var parsed = await ParseImportAsync(path, cancellationToken);
            var (added, skipped) = await (await ctx.SecretStoreAsync(cancellationToken)).ImportConnectionsAsync(parsed, parse.GetValue(overwrite), cancellationToken);
            ctx.Environment.Out.WriteLine($"Imported {added} connection(s) from {path}; skipped {skipped} that already exist.");
            return 0;
        });
        return command;
    }

    /// <summary>Every entry parsed and checked before any is written; the first bad one is named.</summary>
    private static async Task<List<Connection>> ParseImportAsync(string path, CancellationToken cancellationToken)
    {
        var entries = new List<(string Id, Func<Connection> Parse)>();
        if (path.EndsWith(".env", StringComparison.OrdinalIgnoreCase))
        {
            var lineNumber = 0;
            foreach (var raw in (await CliFiles.ReadAsync(path, "connections", cancellationToken)).Split('\n'))
            {
                lineNumber++;
                var line = raw.Trim();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }

                var eq = line.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0)
                {
                    throw new CliException($"Line {lineNumber} of {path} is not conn_id=URI.");
                }

                var (id, value) = (line[..eq].Trim(), line[(eq + 1)..].Trim());
                entries.Add((id, () => Connection.FromString(id, value)));
            }
        }
        else
        {
            foreach (var (id, node) in await CliFiles.ReadObjectAsync(path, "connections", cancellationToken))
            {
                entries.Add((id, () => node is JsonObject fields ? Connection.FromJson(id, fields.ToJsonString())
                    : throw new InvalidConnectionException("it must be a JSON object of conn_type, host, login, password, schema, port, extra.")));
            }
        }

        var connections = new List<Connection>(entries.Count);
        foreach (var (id, parse) in entries)
        {
            try
            {
                Names.ConnectionId(id);
                connections.Add(parse());
            }
            catch (Exception e) when (e is ArgumentException or JsonException or FormatException or InvalidOperationException)
            {
                throw new CliException(e.Message.Contains($"'{id}'", StringComparison.Ordinal) ? $"{path}: {e.Message}" : $"Connection '{id}' in {path}: {e.Message}");
            }
        }

        return connections;
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
