using System.Text.Json.Nodes;

namespace Updraft.Cli.Tests;

public sealed class CommandTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    [Theory]
    [InlineData("table")]
    [InlineData("json")]
    [InlineData("yaml")]
    [InlineData("plain")]
    public async Task TasksList_EveryFormat_ListsTasks(string format)
    {
        var (exit, output, _) = await _cli.RunAsync("tasks", "list", "tutorial", "-o", format);
        Assert.Equal(0, exit);
        Assert.Contains("extract", output);
        Assert.Contains("transform", output);
        Assert.Contains("task_id", output);
    }

    [Theory]
    [InlineData("scheduler", "UPDRAFT__CORE__PARALLELISM", "0", "Error: [core] parallelism must be 1 or more, found 0: with 0 no task could ever run.")]
    [InlineData("standalone", "UPDRAFT__CORE__PARALLELISM", "0", "Error: [core] parallelism must be 1 or more, found 0: with 0 no task could ever run.")]
    [InlineData("scheduler", "UPDRAFT__SCHEDULER__JOB_HEARTBEAT_SEC", "900", "Error: [scheduler] job_heartbeat_sec must be more than 0 and less than scheduler_zombie_task_threshold, found 900.")]
    [InlineData("scheduler", "UPDRAFT__CORE__EXECUTOR", "KubernetesExecutor", "Error: [core] executor 'KubernetesExecutor' is not available; this Updraft has LocalExecutor and SequentialExecutor.")]
    [InlineData("api-server", "UPDRAFT__API__PORT", "70000", "Error: [api] port must be between 0 and 65535, found 70000.")]
    [InlineData("api-server", "UPDRAFT__API__HOST", "example.com", "Error: [api] host must be an IP address (such as 127.0.0.1 or 0.0.0.0), found 'example.com'.")]
    [InlineData("dag-processor", "UPDRAFT__SCHEDULER__DAG_DIR_LIST_INTERVAL", "0", "Error: [scheduler] dag_dir_list_interval must be more than 0 seconds.")]
    public async Task Services_InvalidSetting_OneLineErrorBeforeStarting(string command, string variable, string value, string expected)
    {
        _cli.Environment[variable] = value;

        var (exit, output, error) = await _cli.RunAsync(command);

        Assert.Equal((1, expected + "\n", ""), (exit, error, output));
    }

    [Fact]
    public async Task TasksList_Json_HasDependencyOrderAndRules()
    {
        var (_, output, _) = await _cli.RunAsync("tasks", "list", "tutorial", "-o", "json");
        var rows = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(["extract", "transform", "load"], rows.Select(r => r!["task_id"]!.GetValue<string>()));
        Assert.Equal("all_success", rows[1]!["trigger_rule"]!.GetValue<string>());
        Assert.Equal("extract", rows[1]!["upstream_task_ids"]!.GetValue<string>());
    }

    [Fact]
    public async Task NextExecution_PrintsLogicalDatesAndIntervals()
    {
        _cli.WriteDag("hourly.cs", """
            public sealed class Hourly : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    yield return new Dag("hourly", schedule: "0 * * * *", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)) { Catchup = true };
                }
            }
            """);
        _cli.Environment["UPDRAFT__SCHEDULER__CREATE_CRON_DATA_INTERVALS"] = "True";
        var (exit, output, _) = await _cli.RunAsync("dags", "next-execution", "hourly", "-n", "3", "-o", "json");
        Assert.Equal(0, exit);
        var rows = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(["2025-01-01T00:00:00+00:00", "2025-01-01T01:00:00+00:00", "2025-01-01T02:00:00+00:00"], rows.Select(r => r!["logical_date"]!.GetValue<string>()));
        Assert.Equal("2025-01-01T01:00:00+00:00", rows[0]!["data_interval_end"]!.GetValue<string>());
    }

    [Fact]
    public async Task NextExecution_ManualOnlyDag_SaysSo()
    {
        var (exit, output, error) = await _cli.RunAsync("dags", "next-execution", "example_params");
        Assert.Equal(0, exit);
        Assert.Equal("", output);
        Assert.Contains("has no schedule", error);
    }

    [Fact]
    public async Task Show_DotAndTree()
    {
        var (_, dot, _) = await _cli.RunAsync("dags", "show", "tutorial");
        Assert.StartsWith("digraph \"tutorial\" {", dot);
        Assert.Contains("\"extract\" -> \"transform\";", dot);
        var (_, tree, _) = await _cli.RunAsync("dags", "show", "tutorial", "--format", "tree");
        Assert.Equal("<Task(CallableOperator): extract>\n    <Task(CallableOperator): transform>\n        <Task(CallableOperator): load>\n", tree);
    }

    [Fact]
    public async Task Details_PrintsSerializedJson()
    {
        var (exit, output, _) = await _cli.RunAsync("dags", "details", "tutorial");
        Assert.Equal(0, exit);
        Assert.Equal("tutorial", JsonNode.Parse(output)!["dag_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task ListImportErrors_ShowsFileLineAndMessageAndExitsOne()
    {
        _cli.WriteDag("broken.cs", "public sealed class Broken : IDagSource { public IEnumerable<Dag> Build() { yield return new Dag(\"x\", schedule: \"61 * * * *\"); } }");
        var (exit, output, _) = await _cli.RunAsync("dags", "list-import-errors", "-o", "json");
        Assert.Equal(1, exit);
        var error = Assert.Single(JsonNode.Parse(output)!.AsArray())!;
        Assert.EndsWith("broken.cs", error["filepath"]!.GetValue<string>());
        Assert.Equal("1", error["line"]!.GetValue<string>());
        Assert.Contains("61 is out of range for the minute field", error["error"]!.GetValue<string>());

        var (listExit, _, listError) = await _cli.RunAsync("dags", "list");
        Assert.Equal(0, listExit);
        Assert.Contains("1 file(s) failed to import", listError);
    }

    [Fact]
    public async Task ConfigList_HidesSensitiveValuesUnlessAsked()
    {
        var (_, hidden, _) = await _cli.RunAsync("config", "list", "--section", "core");
        var key = (await _cli.RunAsync("config", "get-value", "core", "fernet_key")).Out.Trim();
        Assert.Contains("fernet_key = < hidden >", hidden);
        Assert.DoesNotContain(key, hidden);
        var (_, shown, _) = await _cli.RunAsync("config", "list", "--section", "core", "--show-sensitive");
        Assert.Contains($"fernet_key = {key}", shown);
    }

    [Fact]
    public async Task ConfigGetValue_EnvironmentOverride()
    {
        _cli.Environment["UPDRAFT__CORE__PARALLELISM"] = "3";
        Assert.Equal("3\n", (await _cli.RunAsync("config", "get-value", "core", "parallelism")).Out);
    }

    [Fact]
    public async Task TasksTest_RunsOneTask()
    {
        var (exit, output, _) = await _cli.RunAsync("tasks", "test", "example_bash_operator", "also_run_this", "2025-03-01");
        Assert.Equal(0, exit);
        Assert.Contains("ti_key=example_bash_operator__also_run_this__20250301", output);
        Assert.EndsWith("Task also_run_this: success\n", output);
    }

    [Theory]
    [InlineData(new[] { "dags", "test", "nope" }, "Error: DAG 'nope' not found.")]
    [InlineData(new[] { "dags", "show", "nope" }, "Error: DAG 'nope' not found.")]
    [InlineData(new[] { "tasks", "list", "nope" }, "Error: DAG 'nope' not found.")]
    [InlineData(new[] { "tasks", "test", "tutorial", "nope" }, "Error: Task 'nope' not found in DAG 'tutorial'.")]
    [InlineData(new[] { "dags", "test", "tutorial", "yesterday" }, "Error: Invalid logical date 'yesterday': expected an ISO 8601 date such as 2025-01-01 or 2025-01-01T03:00:00+00:00.")]
    [InlineData(new[] { "dags", "test", "tutorial", "-c", "[1]" }, "Error: Invalid conf: expected a JSON object such as '{\"key\": \"value\"}'.")]
    [InlineData(new[] { "dags", "test", "tutorial", "-c", "{oops" }, "Error: Invalid conf: not valid JSON")]
    [InlineData(new[] { "dags", "next-execution", "tutorial", "-n", "0" }, "Error: --num-executions must be at least 1, got 0.")]
    [InlineData(new[] { "config", "get-value", "core", "nope" }, "Error: The configuration has no key [core] nope.")]
    [InlineData(new[] { "config", "list", "--section", "nope" }, "Error: The section 'nope' does not exist in the configuration.")]
    public async Task BadInput_OneLineErrorAndExitOne(string[] args, string message)
    {
        var (exit, _, error) = await _cli.RunAsync(args);
        Assert.Equal(1, exit);
        Assert.StartsWith(message, error);
        Assert.Single(error.Trim().Split('\n'));
        Assert.DoesNotContain("   at ", error);
    }

    [Fact]
    public async Task BadOutputFormat_Rejected()
    {
        var (exit, _, error) = await _cli.RunAsync("dags", "list", "-o", "xml");
        Assert.NotEqual(0, exit);
        Assert.Contains("Invalid output format 'xml'", error);
    }

    [Fact]
    public async Task BrokenConfigFile_OneLineError()
    {
        Directory.CreateDirectory(_cli.Home);
        await File.WriteAllTextAsync(Path.Combine(_cli.Home, "updraft.cfg"), "[core]\ndagbag_import_timeout = soon\n");
        var (exit, _, error) = await _cli.RunAsync("dags", "list");
        Assert.Equal(1, exit);
        Assert.Equal("Error: [core] dagbag_import_timeout must be a number, found 'soon'.\n", error);
    }

    [Fact]
    public async Task Version_Prints()
    {
        var (exit, output, _) = await _cli.RunAsync("version");
        Assert.Equal(0, exit);
        Assert.Matches(@"^\d+\.\d+\.\d+", output);
    }

    [Fact]
    public async Task DagsTest_ConnectionFromInjectedEnvironment_UsedAndMasked()
    {
        _cli.Environment["UPDRAFT_CONN_WAREHOUSE"] = "postgres://etl:hunter2hunter2@wh.example.com/db";
        _cli.WriteDag("conn.cs", """
            public sealed class UsesConn : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var dag = new Dag("uses_conn");
                    dag.Bash("show", "echo host={{ conn.warehouse.host }} password={{ conn.warehouse.password }}");
                    yield return dag;
                }
            }
            """);
        var (exit, output, _) = await _cli.RunAsync("dags", "test", "uses_conn");
        Assert.Equal(0, exit);
        Assert.Contains("host=wh.example.com password=***", output);
        Assert.DoesNotContain("hunter2", output);
    }

    [Fact]
    public async Task TasksRender_PrintsRenderedFieldsWithSecretsMasked()
    {
        _cli.Environment["UPDRAFT_CONN_DB"] = "postgres://u:RenderSecret1@db.example.com/x";
        _cli.WriteDag("render.cs", """
            public sealed class Render : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var dag = new Dag("render_me");
                    var t = dag.Bash("show", "psql -h {{ conn.db.host }} -W {{ conn.db.password }} -c 'select {{ ds_nodash }}'");
                    t.Env = new() { ["DAY"] = "{{ ds }}" };
                    yield return dag;
                }
            }
            """);
        var (exit, output, _) = await _cli.RunAsync("tasks", "render", "render_me", "show", "2025-03-01");
        Assert.Equal(0, exit);
        Assert.Contains("# property: bash_command", output);
        Assert.Contains("psql -h db.example.com -W *** -c 'select 20250301'", output);
        Assert.Contains("# property: env.DAY\n# ----------------------------------------------------------\n2025-03-01", output);
        Assert.DoesNotContain("RenderSecret1", output);
    }
}
