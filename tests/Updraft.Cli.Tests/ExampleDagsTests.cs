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
            [
                "example_asset_alias_consumer", "example_asset_consumer", "example_asset_nested_condition", "example_asset_or_time", "example_asset_producer", "example_asset_watchers", "example_bash_operator", "example_branch_operator", "example_callbacks", "example_deferrable", "example_dynamic_task_mapping", "example_email_operator",
                "example_external_task_child", "example_external_task_parent", "example_hitl", "example_http_operator", "example_isolated_task", "example_latest_only", "example_mapped_task_group", "example_nested_branch_dag", "example_params", "example_sensors", "example_setup_teardown",
                "example_shared_code", "example_short_circuit_operator", "example_skip_dag", "example_sql_operator", "example_task_group", "example_task_mapping_second_order",
                "example_templates", "example_time_delta_sensor", "example_timezone", "example_trigger_controller_dag", "example_trigger_rules", "example_trigger_target_dag",
                "example_xcom", "tutorial",
            ],
            rows.Select(r => r!["dag_id"]!.GetValue<string>()));
        var tutorial = rows.Single(r => r!["dag_id"]!.GetValue<string>() == "tutorial")!;
        Assert.Equal("True", tutorial["is_paused"]!.GetValue<string>());
        Assert.Equal("updraft", tutorial["owners"]!.GetValue<string>());
        Assert.EndsWith("tutorial.cs", tutorial["fileloc"]!.GetValue<string>());

        // What each DAG waits for: its schedule, its assets, or both.
        string Schedule(string dagId) => rows.Single(r => r!["dag_id"]!.GetValue<string>() == dagId)!["schedule"]!.GetValue<string>();
        Assert.Equal("assets (orders & customers)", Schedule("example_asset_consumer"));
        Assert.Equal("@weekly or assets (orders | customers)", Schedule("example_asset_or_time"));
        Assert.Equal("@daily", Schedule("example_asset_producer"));
        Assert.Equal("assets alias(daily_order_files)", Schedule("example_asset_alias_consumer"));
        Assert.Equal("assets ((orders & customers) | corrections)", Schedule("example_asset_nested_condition"));
        Assert.Equal("assets (example_dropped_files | example_pushes | example_queue_messages)", Schedule("example_asset_watchers"));
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
        Assert.Matches(@"archive\s+\|\s+success\s+\|\s+1\s+\|\s+3 success", table);
        Assert.Contains("archiving apac for 2025-03-01", output);
    }

    [Fact]
    public async Task SqlOperator_LoadsQueriesWithParametersAndReports_OrSaysWhichConnectionIsMissing()
    {
        var (exit, output, _) = await _cli.RunAsync("dags", "test", "example_sql_operator", "2025-03-01");
        Assert.Equal(1, exit);
        Assert.Contains("The connection 'example_sqlite' is not defined: add it with 'updraft connections add example_sqlite …' or UPDRAFT_CONN_EXAMPLE_SQLITE.", output);

        _cli.Environment["UPDRAFT_CONN_EXAMPLE_SQLITE"] = "sqlite:////" + Path.Combine(_cli.Home, "example.db").TrimStart('/');
        var states = await TestDagAsync("example_sql_operator", 0);
        Assert.Equal(new Dictionary<string, string> { ["load"] = "success", ["wait_for_sales"] = "success", ["totals"] = "success", ["report"] = "success" }, states);
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
    public async Task Callbacks_EachFiresForItsOutcome_AndTheRunsCallbackAtTheEnd()
    {
        // 2025-03-01 is a Saturday: weekday_report skips itself.
        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_callbacks", "2025-03-01");
        Assert.True(exit == 0, error + output);
        Assert.Contains("Starting try 1 of extract", output);
        Assert.Contains("extract succeeded", output);
        Assert.Contains("flaky_load will be retried after: TimeoutException: The warehouse did not answer in time.", output);
        Assert.Contains("weekday_report skipped: No report on weekends.", output);
        Assert.Contains("succeeded: publish the day's report", output);
        Assert.DoesNotContain("ALERT", output);
        var states = await TestDagAsync("example_callbacks", 0);
        Assert.Equal(new Dictionary<string, string> { ["extract"] = "success", ["flaky_load"] = "success", ["weekday_report"] = "skipped" }, states);
    }

    [Fact]
    public async Task SetupTeardown_TeardownRunsAfterTheWork_AndAfterItFails()
    {
        var states = await TestDagAsync("example_setup_teardown", 0);
        Assert.Equal(new Dictionary<string, string> { ["create_cluster"] = "success", ["run_query"] = "success", ["delete_cluster"] = "success" }, states);
        states = await TestDagAsync("example_setup_teardown", 1, "-c", "{\"fail_work\": true}");
        Assert.Equal(new Dictionary<string, string> { ["create_cluster"] = "success", ["run_query"] = "failed", ["delete_cluster"] = "success" }, states);
    }

    [Fact]
    public async Task EmailOperator_SendsThroughARealSmtpServer_OrSaysWhichConnectionIsMissing()
    {
        var (exit, output, _) = await _cli.RunAsync("dags", "test", "example_email_operator", "2025-03-01");
        Assert.Equal(1, exit);
        Assert.Contains("The connection 'smtp_default' is not defined", output);

        using var smtp = new Updraft.Tests.Shared.SmtpTestServer();
        _cli.Environment["UPDRAFT_CONN_SMTP_DEFAULT"] = smtp.ConnectionUri();
        var states = await TestDagAsync("example_email_operator", 0, "-c", "{\"recipients\": \"a@example.com, b@example.com\"}");
        Assert.Equal(new Dictionary<string, string> { ["export_orders"] = "success", ["send_summary"] = "success" }, states);
        var mail = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Assert.Single(smtp.Messages()))));
        Assert.Equal("Orders for 2025-03-01", mail.Subject);
        Assert.Equal("a@example.com, b@example.com", mail.To.ToString());
        Assert.Contains("The orders of 2025-03-01 are exported (run manual__2025-03-01T00:00:00+00:00).", mail.HtmlBody);
    }

    [Fact]
    public async Task HttpOperator_ChecksFiltersAndPosts_AgainstARealServer()
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        Microsoft.AspNetCore.Hosting.HostingAbstractionsWebHostBuilderExtensions.UseUrls(builder.WebHost, "http://127.0.0.1:0");
        await using var server = builder.Build();
        var posted = new List<string>();
        var polls = 0;
        // Not ready on the first poke: the sensor is rescheduled and asks again.
        Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapGet(server, "/status", () => Microsoft.AspNetCore.Http.Results.Json(new { ready = Interlocked.Increment(ref polls) > 1, version = "4.2" }));
        Microsoft.AspNetCore.Builder.EndpointRouteBuilderExtensions.MapPost(server, "/reports", async (Microsoft.AspNetCore.Http.HttpContext http) =>
        {
            posted.Add(await new StreamReader(http.Request.Body).ReadToEndAsync());
            return "stored";
        });
        await server.StartAsync();
        _cli.Environment["UPDRAFT_CONN_HTTP_DEFAULT"] = server.Urls.First();

        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_http_operator", "2025-03-01");

        Assert.True(exit == 0, error + output);
        Assert.Contains("Response check returned False; poking again.", output);
        Assert.Contains("UP_FOR_RESCHEDULE", output);
        Assert.Contains("stored", output);
        Assert.Equal(["{\"day\": \"2025-03-01\", \"run\": \"manual__2025-03-01T00:00:00+00:00\"}"], posted);
    }

    [Fact]
    public async Task Templates_MacrosFiltersAndDefaultsRender()
    {
        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_templates", "2025-03-01");
        Assert.True(exit == 0, error + output);
        Assert.Contains("logical date 2025-03-01 (20250301), interval 2025-02-28 to 2025-03-01", output);
        Assert.Contains("a week earlier 2025-02-22, as d/m/Y 01/03/2025", output);
        Assert.Contains("the day before the interval ends 2025-02-28", output);
        Assert.Contains("partition 2025/03/01", output);
        Assert.Contains("loading staging_orders_20250301 into ORDERS for all regions", output);
    }

    [Fact]
    public async Task SkipDag_ASkipSkipsAllSuccessTasks_OneSuccessRunsIfAPathSucceeded()
    {
        var states = await TestDagAsync("example_skip_dag", 0);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["always_true_start"] = "success", ["always_true_ok"] = "success", ["always_true_join"] = "success", ["always_true_final"] = "success",
                ["always_skip_start"] = "skipped", ["always_skip_ok"] = "skipped", ["always_skip_join"] = "skipped", ["always_skip_final"] = "skipped",
            },
            states);
    }

    [Fact]
    public async Task NestedBranch_InnerBranchRunsOnTheChosenPath_JoinsRun()
    {
        var states = await TestDagAsync("example_nested_branch_dag", 0);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["branch_1"] = "success", ["true_1"] = "success", ["false_1"] = "skipped", ["branch_2"] = "success", ["true_2"] = "success",
                ["false_2"] = "skipped", ["false_3"] = "skipped", ["join_2"] = "success", ["join_1"] = "success",
            },
            states);
    }

    [Fact]
    public async Task TaskMappingSecondOrder_MapsOverMappedResults()
    {
        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_task_mapping_second_order", "2025-03-01");
        Assert.True(exit == 0, error + output);
        Assert.Contains("add_10 returned 12, 14, 16; total 42", output);
    }

    [Fact]
    public async Task Timezone_ScheduleReadInZurich_WinterAndSummer()
    {
        // 09:30 in Zurich is 08:30 UTC in winter and 07:30 UTC in summer.
        var (exit, winter, error) = await _cli.RunAsync("dags", "test", "example_timezone", "2025-01-07T08:30:00+00:00");
        Assert.True(exit == 0, error + winter);
        Assert.Contains("Data up to 2025-01-07 08:30 UTC, 2025-01-07 09:30 in Zurich", winter);
        var (_, summer, _) = await _cli.RunAsync("dags", "test", "example_timezone", "2025-07-08T07:30:00+00:00");
        Assert.Contains("Data up to 2025-07-08 07:30 UTC, 2025-07-08 09:30 in Zurich", summer);
    }

    [Fact]
    public async Task TriggerController_CreatesAQueuedRunOfTheTarget_WhichReadsTheMessage()
    {
        // As with Airflow's dags test, the target must be known to the metadata database (parsed) to be triggered.
        Assert.Equal(0, (await _cli.RunAsync("dags", "reserialize")).Exit);
        var states = await TestDagAsync("example_trigger_controller_dag", 0);
        Assert.Equal("success", states["test_trigger_dagrun"]);
        var (_, runs, _) = await _cli.RunAsync("dags", "list-runs", "example_trigger_target_dag", "-o", "json");
        var run = Assert.Single(JsonNode.Parse(runs)!.AsArray())!;
        Assert.Equal(("triggered_by_manual__2025-03-01T00:00:00+00:00", "queued"), (run["run_id"]!.GetValue<string>(), run["state"]!.GetValue<string>()));

        var target = await TestDagAsync("example_trigger_target_dag", 0, "-c", "{\"message\": \"hi there\"}");
        Assert.Equal(new Dictionary<string, string> { ["run_this"] = "success", ["bash_task"] = "success" }, target);
        var (_, output, _) = await _cli.RunAsync("dags", "test", "example_trigger_target_dag", "2025-03-01", "-c", "{\"message\": \"hi there\"}");
        Assert.Contains("Remotely received value of hi there for key=message", output);
        Assert.Contains("Here is the message: hi there", output);
    }

    [Fact]
    public async Task IsolatedTask_RunsInAProcessOfItsOwn_ResultFlowsOn()
    {
        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_isolated_task", "2025-03-01");
        Assert.True(exit == 0, error + output);
        var here = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"extract runs in process {here}", output);
        var isolated = System.Text.RegularExpressions.Regex.Match(output, @"scoring runs in its own process (\d+)").Groups[1].Value;
        Assert.NotEqual("", isolated);
        Assert.NotEqual(here, isolated);
        Assert.Contains($"mean score 18 published from process {here}", output);
        Assert.Null(Environment.GetEnvironmentVariable("MODEL_THREADS"));
    }

    [Fact]
    public async Task Sensors_TheFileSensorGivesItsSlotBackUntilTheFileLands_ThenTheRowsFlowOn()
    {
        var states = await TestDagAsync("example_sensors", 0);
        Assert.All(states.Values, s => Assert.Equal("success", s));
        var (_, output, _) = await _cli.RunAsync("dags", "test", "example_sensors", "2025-03-02");
        Assert.Contains("loading 3 orders", output);
        Assert.Contains("Success criteria met. Exiting.", output);
    }

    [Fact]
    public async Task Deferrable_TheSensorTheOperatorAndTheLambdaEachDeferAndResume_ThenTheReportRuns()
    {
        // The export files of earlier runs on this machine would let the sensor succeed without deferring.
        if (Directory.Exists("/tmp/updraft_example_deferrable"))
        {
            Directory.Delete("/tmp/updraft_example_deferrable", recursive: true);
        }

        var states = await TestDagAsync("example_deferrable", 0);
        Assert.All(states.Values, s => Assert.Equal("success", s));
        var (_, output, _) = await _cli.RunAsync("dags", "test", "example_deferrable", "2025-03-02");
        Assert.Contains("Pausing task as DEFERRED: Deferring the task on FileTrigger", output);
        Assert.Contains("Pausing task as DEFERRED: Deferring the task on DateTimeTrigger; it resumes in Finished.", output);
        Assert.Contains("export landed and batch job 42 finished", output);
    }

    [Fact]
    public async Task HumanInTheLoop_NobodyAnswersInDagsTest_TheDefaultsAreTaken_AndFlowDownstream()
    {
        var states = await TestDagAsync("example_hitl", 0);
        Assert.All(states.Values, s => Assert.Equal("success", s));
        var (_, output, _) = await _cli.RunAsync("dags", "test", "example_hitl", "2025-03-02");
        Assert.Contains("Waiting for an answer to 'Publish the report for 2025-03-02?' (Approve / Reject)", output);
        Assert.Contains("published via email to partners@example.com (chosen by default)", output);
        Assert.Contains("Waiting for an answer to 'Limits for the 2025-03-02 report' (OK)", output);
        Assert.Contains("at most 1000 rows, note 'none' (entered by default)", output);
    }

    [Fact]
    public async Task TimeDeltaSensor_AMomentLongPast_BothTheReschedulingAndTheDeferrableSensorGoOn()
    {
        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_time_delta_sensor", "2025-03-01");
        Assert.True(exit == 0, error + output);
        Assert.Matches(@"\{wait_for_late_records\} INFO - Checking if the time \(\S+\) has come \(2025-03-01T01:00:00\+00:00\)", output);
        Assert.Matches(@"\{wait_in_the_triggerer\} INFO - Checking if the time \(\S+\) has come \(2025-03-01T01:30:00\+00:00\)", output);
        var states = await TestDagAsync("example_time_delta_sensor", 0);
        Assert.Equal(new Dictionary<string, string> { ["wait_for_late_records"] = "success", ["wait_in_the_triggerer"] = "success", ["close_the_day"] = "success" }, states);
    }

    [Fact]
    public async Task ExternalTaskSensor_TheChildGoesOnOnceTheParentsTaskOfTheSameDateSucceeded()
    {
        Assert.Equal(0, (await _cli.RunAsync("dags", "reserialize")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("dags", "unpause", "example_external_task_parent")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("dags", "trigger", "example_external_task_parent", "-l", "2025-03-01", "-r", "parent_run")).Exit);
        var (ran, ranOut, ranError) = await _cli.RunAsync("tasks", "run", "example_external_task_parent", "export_orders", "parent_run", "--force");
        Assert.True(ran == 0, ranError + ranOut);

        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_external_task_child", "2025-03-01");

        Assert.True(exit == 0, error + output);
        Assert.Contains("Poking for task example_external_task_parent.export_orders on 2025-03-01T00:00:00+00:00: success", output);
        Assert.Contains("loading the orders the parent exported for 2025-03-01", output);
        var states = await TestDagAsync("example_external_task_child", 0);
        Assert.Equal(new Dictionary<string, string> { ["wait_for_export"] = "success", ["load_orders"] = "success" }, states);
    }

    [Fact]
    public async Task NestedAssetCondition_Loads_AndRuns()
    {
        var states = await TestDagAsync("example_asset_nested_condition", 0);
        Assert.Equal(new Dictionary<string, string> { ["rebuild"] = "success" }, states);
        var details = JsonNode.Parse((await _cli.RunAsync("dags", "details", "example_asset_nested_condition")).Out)!;
        Assert.Equal(
            "{\"any\":[{\"all\":[{\"asset\":{\"name\":\"orders\",\"uri\":\"file:///tmp/updraft_example_assets/orders.csv\",\"group\":\"asset\"}},{\"asset\":{\"name\":\"customers\",\"uri\":\"file:///tmp/updraft_example_assets/customers.csv\",\"group\":\"asset\"}}]},{\"asset\":{\"name\":\"corrections\",\"uri\":\"file:///tmp/updraft_example_assets/corrections.csv\",\"group\":\"asset\"}}]}",
            details["asset_expression"]!.ToJsonString());
    }

    [Fact]
    public async Task AssetWatchers_TheRabbitMqWatcherIsDeclared_AndNeedsNoBrokerToLoadOrTest()
    {
        var (parsed, parseOut, _) = await _cli.RunAsync("dags", "reserialize");
        Assert.True(parsed == 0, parseOut);
        Assert.Contains("; 0 import errors.", parseOut);
        var details = JsonNode.Parse((await _cli.RunAsync("dags", "details", "example_asset_watchers")).Out)!;
        var watcher = Assert.Single(details["asset_watchers"]!.AsArray(), w => (string?)w!["asset"] == "example_queue_messages")!;
        Assert.Equal(("example_orders_queue", "Updraft.Providers.RabbitMqTrigger"), ((string?)watcher["name"], (string?)watcher["classpath"]));
        var kwargs = JsonNode.Parse((string)watcher["kwargs"]!)!;
        Assert.Equal(("example_rabbitmq", "example_orders"), ((string?)kwargs["connectionId"], (string?)kwargs["queue"]));
        Assert.Contains("example_queue_messages", (await _cli.RunAsync("assets", "list")).Out);

        var states = await TestDagAsync("example_asset_watchers", 0);
        Assert.Equal(new Dictionary<string, string> { ["handle"] = "success" }, states);
    }

    [Fact]
    public async Task MappedTaskGroup_EachRegionExtractsAndLoadsItsOwn_TheReportCollectsThem()
    {
        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_mapped_task_group", "2025-03-01");
        Assert.True(exit == 0, error + output);
        Assert.Contains("extracted 401 orders for amer", output);
        Assert.Contains("loaded 402 orders into sales_apac (instance 2)", output);
        Assert.Contains("vacuum region 1 of 2025-03-01", output);
        Assert.Contains("loaded 1203 orders in 3 regions", output);
        var table = output[output.LastIndexOf("task_id ", StringComparison.Ordinal)..];
        Assert.Contains("3 success", table.Split('\n').Single(l => l.StartsWith("per_region.load ", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task SharedCode_UsedByTheDagFile_InTheProcessAndInAnIsolatedTask()
    {
        var (exit, output, error) = await _cli.RunAsync("dags", "test", "example_shared_code", "2025-03-01");
        Assert.True(exit == 0, error + output);
        Assert.Contains("Running publish in a fresh process", output);
        Assert.Contains("publishing 3 staged tables", output);
        Assert.Contains("example_shared_code published reporting.orders_daily, reporting.customers_daily, reporting.refunds_daily for 2025-03-01", output);
        Assert.DoesNotContain("Warehouse.cs", (await _cli.RunAsync("dags", "list-import-errors")).Out);
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
