using System.Text.Json.Nodes;

namespace Updraft.Cli.Tests;

public sealed class ExampleDagsTests : IDisposable
{
    private readonly CliRunner _cli = new();

    public void Dispose() => _cli.Dispose();

    private async Task<Dictionary<string, string>> TestDagAsync(string dagId, int expectedExit, params string[] extra)
    {
        var (exit, output, error) = await _cli.RunAsync(["dags", "test", dagId, "2025-03-01", .. extra]);
        Assert.True(expectedExit == exit, $"exit {exit}: {error}\n{output}");
        var table = output[output.LastIndexOf("task_id ", StringComparison.Ordinal)..];
        return table.Split('\n').Skip(2).Where(l => l.Contains('|', StringComparison.Ordinal))
            .Select(l => l.Split('|').Select(c => c.Trim()).ToArray())
            .ToDictionary(c => c[0], c => c[1]);
    }

    [Fact]
    public async Task DagsList_ShowsEveryExampleWithAirflowFieldNames()
    {
        var (exit, output, _) = await _cli.RunAsync("dags", "list", "-o", "json");
        Assert.Equal(0, exit);
        var rows = JsonNode.Parse(output)!.AsArray();
        Assert.Equal(
            ["example_bash_operator", "example_branch_operator", "example_dynamic_task_mapping", "example_latest_only", "example_params", "example_short_circuit_operator", "example_sql_operator",
                "example_task_group", "example_trigger_rules", "example_xcom", "tutorial"],
            rows.Select(r => r!["dag_id"]!.GetValue<string>()));
        var tutorial = rows.Single(r => r!["dag_id"]!.GetValue<string>() == "tutorial")!;
        Assert.Equal("True", tutorial["is_paused"]!.GetValue<string>());
        Assert.Equal("updraft", tutorial["owners"]!.GetValue<string>());
        Assert.EndsWith("tutorial.cs", tutorial["fileloc"]!.GetValue<string>());
    }

    [Fact]
    public async Task Tutorial_AllTasksSucceed()
    {
        var states = await TestDagAsync("tutorial", 0);
        Assert.Equal(new Dictionary<string, string> { ["extract"] = "success", ["transform"] = "success", ["load"] = "success" }, states);
    }

    [Fact]
    public async Task BashOperator_SkipsByExitCode99()
    {
        var states = await TestDagAsync("example_bash_operator", 0);
        Assert.Equal("skipped", states["this_will_skip"]);
        Assert.Equal("skipped", states["run_this_last"]);
        Assert.All(new[] { "runme_0", "runme_1", "runme_2", "also_run_this", "run_after_loop" }, t => Assert.Equal("success", states[t]));
    }

    [Fact]
    public async Task TriggerRules_EachRuleReactsAsAirflows()
    {
        var states = await TestDagAsync("example_trigger_rules", 0);
        var expected = new Dictionary<string, string>
        {
            ["succeed"] = "success", ["fail"] = "failed", ["skip"] = "skipped", ["flaky"] = "success",
            ["all_success"] = "upstream_failed", ["one_failed"] = "success", ["one_success"] = "success",
            ["all_done"] = "success", ["none_failed"] = "success", ["none_skipped"] = "skipped",
            ["all_skipped"] = "success", ["all_failed"] = "success", ["after_retry"] = "success", ["report"] = "success",
        };
        Assert.Equal(expected, states);
    }

    [Fact]
    public async Task BranchOperator_FollowsTheDaysPath_SkipsTheOthers_JoinRuns()
    {
        // 2025-03-01: day 1, so branch_b.
        var states = await TestDagAsync("example_branch_operator", 0);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["branching"] = "success", ["branch_a"] = "skipped", ["follow_branch_a"] = "skipped", ["branch_b"] = "success",
                ["follow_branch_b"] = "success", ["branch_c"] = "skipped", ["follow_branch_c"] = "skipped", ["join"] = "success",
            },
            states);
    }

    [Fact]
    public async Task ShortCircuit_FalseSkipsDownstream_RespectingRulesOnlyTheNextTask()
    {
        // 2025-03-01 is a Saturday: weekday_only is false.
        var states = await TestDagAsync("example_short_circuit_operator", 0);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["condition_is_true"] = "success", ["true_1"] = "success", ["true_2"] = "success",
                ["condition_is_false"] = "success", ["false_1"] = "skipped", ["false_2"] = "skipped",
                ["weekday_only"] = "success", ["weekday_report"] = "skipped", ["cleanup"] = "success",
            },
            states);
    }

    [Fact]
    public async Task LatestOnly_ManualRunGoesOn()
    {
        var states = await TestDagAsync("example_latest_only", 0);
        Assert.Equal(new Dictionary<string, string> { ["latest_only"] = "success", ["load"] = "success", ["notify"] = "success" }, states);
    }

    [Fact]
    public async Task TaskGroup_PrefixedIdsRunInGroupOrder()
    {
        var states = await TestDagAsync("example_task_group", 0);
        Assert.Equal(
            ["end", "section_1.task_1", "section_1.task_2", "section_1.task_3", "section_2.inner_section_2.task_2",
                "section_2.inner_section_2.task_3", "section_2.inner_section_2.task_4", "section_2.task_1", "start"],
            states.Keys.Order(StringComparer.Ordinal));
        Assert.All(states.Values, s => Assert.Equal("success", s));
        var (_, dot, _) = await _cli.RunAsync("dags", "show", "example_task_group");
        Assert.Contains("subgraph \"cluster_section_2.inner_section_2\" {", dot, StringComparison.Ordinal);
        Assert.Contains("    \"section_2.inner_section_2.task_4\" [label=", dot, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DynamicTaskMapping_ExpandsEachListAndCollectsTheResults()
    {
        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_dynamic_task_mapping", "2025-03-01");
        Assert.True(exit == 0, error + output);
        Assert.Contains("map_index 1: extracting us for 2025-03-01", output);
        Assert.Contains("3 orders, total 96.0", output);
        var table = output[output.LastIndexOf("task_id ", StringComparison.Ordinal)..];
        Assert.Matches(@"extract\s+\|\s+success\s+\|\s+1\s+\|\s+3 success", table);
        Assert.Matches(@"check_hours\s+\|\s+success\s+\|\s+1\s+\|\s+6 success", table);
    }

    [Fact]
    public async Task SqlOperator_LoadsQueriesWithParametersAndReports_OrSaysWhichConnectionIsMissing()
    {
        var (exit, output, _) = await _cli.RunAsync("dags", "test", "example_sql_operator", "2025-03-01");
        Assert.Equal(1, exit);
        Assert.Contains("The connection 'example_sqlite' is not defined: add it with 'updraft connections add example_sqlite …' or UPDRAFT_CONN_EXAMPLE_SQLITE.", output);

        _cli.Environment["UPDRAFT_CONN_EXAMPLE_SQLITE"] = "sqlite:////" + Path.Combine(_cli.Home, "example.db").TrimStart('/');
        var states = await TestDagAsync("example_sql_operator", 0);
        Assert.Equal(new Dictionary<string, string> { ["load"] = "success", ["totals"] = "success", ["report"] = "success" }, states);
        (_, output, _) = await _cli.RunAsync("dags", "test", "example_sql_operator", "2025-03-01");
        Assert.Contains("eu: 120", output);
        Assert.Contains("us: 80", output);
    }

    [Fact]
    public async Task XCom_PullsWhatWasPushed()
    {
        var (exit, output, _) = await _cli.RunAsync("dags", "test", "example_xcom", "2025-03-01");
        Assert.Equal(0, exit);
        Assert.Contains("Pulled 1,2,3 from push and 'pushed by bash on 2025-03-01' from bash_push", output);
    }

    [Fact]
    public async Task Params_DefaultsAndConf()
    {
        var states = await TestDagAsync("example_params", 0, "-c", "{\"rows\": 3, \"greeting\": \"hi\"}");
        Assert.Equal("success", states["greet"]);
        var (_, output, _) = await _cli.RunAsync("dags", "test", "example_params", "2025-03-01", "-c", "{\"rows\": 3, \"greeting\": \"hi\"}");
        Assert.Contains("hi, 3 rows (full)", output);
    }

    [Fact]
    public async Task Params_InvalidConf_OneLineErrorNothingRun()
    {
        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_params", "-c", "{\"rows\": 1000}");
        Assert.Equal(1, exit);
        Assert.Equal("Error: Invalid input for param rows: 1000 is greater than the maximum of 100", error.Trim());
        Assert.DoesNotContain("Starting attempt", output);
    }

    [Fact]
    public async Task DagsTest_FailingRun_ExitsOne()
    {
        _cli.WriteDag("failing.cs", """
            public sealed class Failing : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var dag = new Dag("failing");
                    dag.Bash("boom", "exit 2");
                    yield return dag;
                }
            }
            """);
        var states = await TestDagAsync("failing", 1);
        Assert.Equal("failed", states["boom"]);
    }
}
