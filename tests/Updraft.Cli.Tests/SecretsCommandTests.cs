using System.Text.Json.Nodes;

namespace Updraft.Cli.Tests;

public sealed class SecretsCommandTests : IDisposable
{
    private readonly CliRunner _cli = new(loadExamples: false);

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Connections_AddGetListExportImportDelete()
    {
        Assert.Equal(0, (await _cli.RunAsync("connections", "add", "warehouse", "--conn-uri", "postgres://etl:Sup3rS3cret@db.example.com:5432/dw")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("connections", "add", "api", "--conn-type", "http", "--conn-host", "api.example.com", "--conn-password", "tok-9999", "--conn-extra", "{\"timeout\": \"5\"}")).Exit);

        var (_, got, _) = await _cli.RunAsync("connections", "get", "warehouse", "-o", "json");
        var row = JsonNode.Parse(got)![0]!;
        Assert.Equal(("postgres", "db.example.com", "5432", "***"), (row["conn_type"]!.GetValue<string>(), row["host"]!.GetValue<string>(), row["port"]!.GetValue<string>(), row["password"]!.GetValue<string>()));
        var (_, listed, _) = await _cli.RunAsync("connections", "list");
        Assert.DoesNotContain("Sup3rS3cret", listed);
        Assert.DoesNotContain("tok-9999", listed);

        var file = Path.Combine(_cli.Home, "connections.json");
        Assert.Equal(0, (await _cli.RunAsync("connections", "export", file)).Exit);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
        }
        Assert.Equal(0, (await _cli.RunAsync("connections", "delete", "warehouse")).Exit);
        Assert.Equal(1, (await _cli.RunAsync("connections", "get", "warehouse")).Exit);
        var (_, imported, _) = await _cli.RunAsync("connections", "import", file);
        Assert.Contains("Imported 1 connection(s)", imported);
        Assert.Contains("skipped 1", imported);
    }

    [Theory]
    [InlineData(new[] { "connections", "add", "x", "--conn-uri", "a://b://c://d" }, "Error: Invalid connection string for 'x': a://b://c://d")]
    [InlineData(new[] { "connections", "add", "x" }, "Error: Give exactly one of --conn-uri, --conn-json or --conn-type")]
    [InlineData(new[] { "connections", "add", "x", "--conn-type", "http", "--conn-extra", "[1]" }, "Error: --conn-extra must be a JSON object.")]
    [InlineData(new[] { "connections", "delete", "nope" }, "Error: Connection 'nope' not found.")]
    [InlineData(new[] { "variables", "get", "nope" }, "Error: Variable nope does not exist.")]
    [InlineData(new[] { "variables", "import", "/no/such/file.json" }, "Error: Missing variables file: /no/such/file.json")]
    public async Task BadInput_OneLineError(string[] args, string message)
    {
        var (exit, _, error) = await _cli.RunAsync(args);
        Assert.Equal(1, exit);
        Assert.StartsWith(message, error);
    }

    [Fact]
    public async Task Connections_Test_DisabledByDefault_ThenUsesTheConnection()
    {
        var file = Path.Combine(_cli.Home, "probe.db");
        await using (var sqlite = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file}"))
        {
            await sqlite.OpenAsync();
        }

        await _cli.RunAsync("connections", "add", "probe", "--conn-type", "sqlite", "--conn-host", file);
        await _cli.RunAsync("connections", "add", "gone", "--conn-type", "sqlite", "--conn-host", file + ".missing", "--conn-password", "Hidden-123");
        Assert.StartsWith("Error: Testing connections is disabled", (await _cli.RunAsync("connections", "test", "probe")).Error, StringComparison.Ordinal);

        _cli.Environment["UPDRAFT__CORE__TEST_CONNECTION"] = "Enabled";
        Assert.Equal((0, "Connection 'probe': Connection successfully tested.\n"), ((await _cli.RunAsync("connections", "test", "probe")) is var ok ? (ok.Exit, ok.Out) : default));
        var failed = await _cli.RunAsync("connections", "test", "gone");
        Assert.Equal(1, failed.Exit);
        Assert.StartsWith("Error: Connection 'gone' failed the test: ", failed.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Hidden-123", failed.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Connections_AddTwice_Refused()
    {
        await _cli.RunAsync("connections", "add", "c", "--conn-uri", "http://h");
        var (exit, _, error) = await _cli.RunAsync("connections", "add", "c", "--conn-uri", "http://other");
        Assert.Equal((1, "Error: A connection with conn_id 'c' already exists.\n"), (exit, error));
    }

    [Fact]
    public async Task Variables_SetGetListExportImport()
    {
        await _cli.RunAsync("variables", "set", "bucket", "my-bucket", "--description", "where files go");
        await _cli.RunAsync("variables", "set", "settings", "{\"region\": \"eu\"}");
        Assert.Equal("my-bucket\n", (await _cli.RunAsync("variables", "get", "bucket")).Out);
        Assert.Equal("fallback\n", (await _cli.RunAsync("variables", "get", "missing", "--default", "fallback")).Out);
        Assert.Contains("where files go", (await _cli.RunAsync("variables", "list")).Out);
        var file = Path.Combine(_cli.Home, "vars.json");
        await _cli.RunAsync("variables", "export", file);
        Assert.Equal("eu", JsonNode.Parse(await File.ReadAllTextAsync(file))!["settings"]!["region"]!.GetValue<string>());
        await _cli.RunAsync("variables", "delete", "bucket");
        await _cli.RunAsync("variables", "import", file);
        Assert.Equal("my-bucket\n", (await _cli.RunAsync("variables", "get", "bucket")).Out);
    }

    [Fact]
    public async Task DagsTest_UsesDatabaseConnectionsAndVariables_Masked()
    {
        await _cli.RunAsync("connections", "add", "wh", "--conn-uri", "postgres://etl:hunter2hunter2@wh.example.com/db");
        await _cli.RunAsync("variables", "set", "region", "eu-west-1");
        _cli.WriteDag("uses.cs", """
            public sealed class Uses : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var dag = new Dag("uses_db_secrets");
                    dag.Bash("show", "echo {{ conn.wh.host }} {{ conn.wh.password }} {{ var.value.region }}");
                    yield return dag;
                }
            }
            """);
        var (exit, output, _) = await _cli.RunAsync("dags", "test", "uses_db_secrets");
        Assert.Equal(0, exit);
        Assert.Contains("wh.example.com *** eu-west-1", output);
        Assert.DoesNotContain("hunter2", output);
    }

    [Fact]
    public async Task RotateFernetKey_ReencryptsWithTheFirstKey()
    {
        await _cli.RunAsync("variables", "set", "token_a", "value-a");
        var oldKey = (await _cli.RunAsync("config", "get-value", "core", "fernet_key")).Out.Trim();
        var newKey = Core.Configuration.UpdraftConfig.GenerateFernetKey();
        _cli.Environment["UPDRAFT__CORE__FERNET_KEY"] = $"{newKey},{oldKey}";
        Assert.Contains("Rotated 1 encrypted value(s)", (await _cli.RunAsync("rotate-fernet-key")).Out);
        _cli.Environment["UPDRAFT__CORE__FERNET_KEY"] = newKey;
        Assert.Equal("value-a\n", (await _cli.RunAsync("variables", "get", "token_a")).Out);
    }
}
