using System.Text.Json.Nodes;

namespace Updraft.Cli.Tests;

/// <summary>
/// Every command that reads or writes a file, given a bad file or an unwritable path, and every name or limit that
/// is not allowed: a one-line error naming the problem, exit 1, and nothing written.
/// </summary>
public sealed class BadInputTests : IDisposable
{
    private readonly CliRunner _cli = new(loadExamples: false);

    public void Dispose() => _cli.Dispose();

    public static TheoryData<string> Kinds => ["pools", "variables", "connections"];

    private string Write(string name, string text)
    {
        var path = Path.Combine(_cli.Home, name);
        File.WriteAllText(path, text);
        return path;
    }

    private async Task<string> FailsAsync(params string[] args)
    {
        var (exit, _, error) = await _cli.RunAsync(args);
        Assert.Equal(1, exit);
        Assert.StartsWith("Error: ", error);
        Assert.DoesNotContain("unexpected", error, StringComparison.Ordinal);
        Assert.Single(error.TrimEnd().Split('\n'));
        return error.Trim();
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Import_MissingFolderOrNotJson_OneLineNamingTheFile(string kind)
    {
        var missing = Path.Combine(_cli.Home, "nope.json");
        Assert.Contains(missing, await FailsAsync(kind, "import", missing));
        Assert.Contains($"{_cli.Home}: it is a folder", await FailsAsync(kind, "import", _cli.Home));
        var broken = Write("broken.json", "{ not json");
        Assert.Contains($"{broken} is not valid JSON", await FailsAsync(kind, "import", broken));
        var array = Write("array.json", "[1, 2]");
        Assert.Contains($"{array} must hold a JSON object", await FailsAsync(kind, "import", array));
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public async Task Export_UnwritablePath_OneLineNamingThePath(string kind)
    {
        Assert.Equal("Error: Cannot write /proc/nope/x.json: the folder /proc/nope does not exist.", await FailsAsync(kind, "export", "/proc/nope/x.json"));
        Assert.Equal($"Error: Cannot write {_cli.Home}: it is a folder.", await FailsAsync(kind, "export", _cli.Home));

        // Not even root can write here.
        Assert.StartsWith("Error: Cannot write /proc/version: ", await FailsAsync(kind, "export", "/proc/version"));
    }

    [Theory]
    [InlineData("scheduler", "--pid", "/proc/nope/x.pid", "Error: Cannot write the pid file /proc/nope/x.pid: the folder /proc/nope does not exist.")]
    [InlineData("dag-processor", "--log-file", "/proc/nope/x.log", "Error: Cannot write the log file /proc/nope/x.log: the folder /proc/nope does not exist.")]
    [InlineData("standalone", "--pid", "/etc/hostname/x.pid", "Error: Cannot write the pid file /etc/hostname/x.pid: /etc/hostname is a file, not a folder.")]
    public async Task Daemon_UnwritablePidOrLogFile_RefusedBeforeStarting(string service, string option, string path, string message)
    {
        Assert.StartsWith(message, await FailsAsync(service, "-D", option, path));
        Assert.False(File.Exists(Path.Combine(_cli.Home, $"updraft-{service}.pid")) && File.ReadAllText(Path.Combine(_cli.Home, $"updraft-{service}.pid")).Length > 0);
    }

    [Fact]
    public async Task Foreground_UnwritablePidFile_RefusedBeforeStarting() =>
        Assert.Equal($"Error: Cannot write {_cli.Home}: it is a folder.", await FailsAsync("dag-processor", "--pid", _cli.Home));

    [Theory]
    [InlineData("""{"etl": {"slots": 3}, "bad": {"slots": "x"}}""", "Pool 'bad' in {0} needs a whole number of \"slots\".")]
    [InlineData("""{"etl": {"slots": 3}, "bad": {"slots": 2, "description": 5}}""", "Pool 'bad' in {0}: \"description\" must be text, got number.")]
    [InlineData("""{"etl": {"slots": 3}, "": {"slots": 2}}""", "Pool '' in {0}: A pool name must not be empty.")]
    [InlineData("""{"etl": {"slots": 3}, "neg": {"slots": -2}}""", "Pool 'neg' in {0}: A pool's slots must be 0 or more, got -2.")]
    [InlineData("""{"etl": {"slots": 3}, "bad": 4}""", "Pool 'bad' in {0} must be an object like")]
    public async Task PoolsImport_BadSecondEntry_NamedAndNothingCreated(string json, string message)
    {
        var file = Write("pools.json", json);
        Assert.StartsWith("Error: " + string.Format(System.Globalization.CultureInfo.InvariantCulture, message, file), await FailsAsync("pools", "import", file));
        var pools = JsonNode.Parse((await _cli.RunAsync("pools", "list", "-o", "json")).Out)!.AsArray();
        Assert.Equal(["default_pool"], pools.Select(p => p!["pool"]!.GetValue<string>()));
    }

    [Fact]
    public async Task VariablesImport_BadKey_NamedAndNothingCreated()
    {
        var file = Write("vars.json", """{"a": "1", " padded ": "2"}""");
        Assert.Equal($"Error: Variable ' padded ' in {file}: The variable key ' padded ' must not start or end with spaces.", await FailsAsync("variables", "import", file));
        Assert.Equal("[]", (await _cli.RunAsync("variables", "list", "-o", "json")).Out.Trim());
    }

    [Theory]
    [InlineData("conns.json", """{"wh": {"conn_type": "postgres", "host": "db"}, "bad": {"conn_type": "http", "port": "eighty"}}""", "Connection 'bad' has a port that is not a number.")]
    [InlineData("conns.json", """{"wh": {"conn_type": "postgres", "host": "db"}, "has space": {"conn_type": "http"}}""", "Connection id 'has space' is not allowed")]
    [InlineData("conns.json", """{"wh": {"conn_type": "postgres", "host": "db"}, "bad": 7}""", "it must be a JSON object")]
    [InlineData("conns.env", "wh=postgres://u:p@db/x\nnot a line\n", "Line 2 of")]
    [InlineData("conns.env", "wh=postgres://u:p@db/x\nbad=http://h:99999\n", "bad")]
    public async Task ConnectionsImport_BadSecondEntry_NamedAndNothingCreated(string name, string text, string message)
    {
        var file = Write(name, text);
        var error = await FailsAsync("connections", "import", file);
        Assert.Contains(message, error);
        Assert.Contains(file, error);
        Assert.Equal("[]", (await _cli.RunAsync("connections", "list", "-o", "json")).Out.Trim());
    }

    [Theory]
    [InlineData(new[] { "variables", "set", "", "x" }, "Error: A variable key must not be empty.")]
    [InlineData(new[] { "pools", "set", "", "3" }, "Error: A pool name must not be empty.")]
    [InlineData(new[] { "pools", "set", " ", "3" }, "Error: A pool name must not be empty.")]
    [InlineData(new[] { "connections", "add", "my conn", "--conn-uri", "http://h" }, "Error: Connection id 'my conn' is not allowed")]
    [InlineData(new[] { "connections", "add", "c", "--conn-type", "http", "--conn-port", "0" }, "Error: Connection 'c' has port 0; a port is 1 to 65535.")]
    public async Task Names_CheckedWhereCreated(string[] args, string message)
    {
        Assert.StartsWith(message, await FailsAsync(args));
        Assert.Equal("[]", (await _cli.RunAsync("variables", "list", "-o", "json")).Out.Trim());
        Assert.Equal("[]", (await _cli.RunAsync("connections", "list", "-o", "json")).Out.Trim());
        Assert.Single(JsonNode.Parse((await _cli.RunAsync("pools", "list", "-o", "json")).Out)!.AsArray());
    }

    [Theory]
    [InlineData("dags", "list-runs", "--limit", "-5")]
    [InlineData("dags", "list-runs", "--limit", "0")]
    public async Task Limits_BelowOne_Refused(params string[] args)
    {
        Assert.Equal($"Error: --limit must be at least 1, got {args[^1]}.", await FailsAsync(args));
    }

    [Fact]
    public async Task NextExecution_ZeroCount_Refused()
    {
        Assert.Equal("Error: --num-executions must be at least 1, got 0.", await FailsAsync("dags", "next-execution", "some_dag", "-n", "0"));
    }

    [Fact]
    public async Task Trigger_BadRunId_Refused()
    {
        _cli.WriteDag("hello.cs", """
            using Updraft.Core.Dags;
            public sealed class Hello : IDagSource
            {
                public IEnumerable<Dag> Build() { var dag = new Dag("hello"); dag.Bash("say", "echo hi"); yield return dag; }
            }
            """);
        Assert.Equal(0, (await _cli.RunAsync("dags", "unpause", "hello")).Exit);
        Assert.StartsWith("Error: Run id 'my run' is not allowed", await FailsAsync("dags", "trigger", "hello", "-r", "my run"));
        Assert.Equal("[]", (await _cli.RunAsync("dags", "list-runs", "hello", "-o", "json")).Out.Trim());
    }

    [Fact]
    public async Task RelativeSqlitePath_ResolvedAgainstUpdraftHome()
    {
        _cli.Environment["UPDRAFT__DATABASE__CONNECTION"] = "sqlite:///relative.db";
        Assert.Equal(0, (await _cli.RunAsync("db", "migrate")).Exit);
        Assert.True(File.Exists(Path.Combine(_cli.Home, "relative.db")));
        Assert.False(File.Exists("/relative.db"));
        Assert.Equal(0, (await _cli.RunAsync("db", "check")).Exit);
    }
}
