using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Updraft.Core.States;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>Scheduling through real worker processes; run against SQLite and PostgreSQL by the subclasses.</summary>
public abstract class SchedulerTests
{
    protected abstract string? DatabaseUri();

    private Task<Orchestra> NewAsync(Dictionary<string, string>? settings = null) => Orchestra.CreateAsync(DatabaseUri(), settings);

    [Fact]
    public async Task ManualRun_TaskFlowAcrossWorkerProcesses_SucceedsWithLogPerTry()
    {
        await using var o = await NewAsync();
        o.WriteDag("flow.cs", Orchestra.DagSource("flow", """
            var numbers = dag.Task("numbers", ctx => new[] { 1, 2, 3 });
            var total = dag.Task("total", numbers, (int[] n) => n.Sum());
            dag.Task("report", total, (TaskContext ctx, int t) => { Console.WriteLine($"printed {t}"); ctx.Log.Info($"total={t}"); });
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("flow");

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("success", await o.RunStateAsync("flow", run.RunId));
        Assert.All((await o.TasksAsync("flow", run.RunId)).Values, t => Assert.Equal(("success", 1), (t.State.ToWireName(), t.TryNumber)));
        var log = o.ReadLog("flow", run.RunId, "report", 1);
        Assert.Contains("total=6", log);
        Assert.Contains("printed 6", log);
    }

    [Fact]
    public async Task WorkersNamedAnApiServer_CallTheExecutionApiOverHttp_NotTheirPipe()
    {
        await using var o = await NewAsync();
        o.WriteDag("flow.cs", Orchestra.DagSource("flow", """
            var numbers = dag.Task("numbers", ctx => new[] { 1, 2, 3 });
            dag.Task("total", numbers, (TaskContext ctx, int[] n) => ctx.Log.Info($"total={n.Sum()}"));
            """));
        await o.ProcessAsync();
        await using var server = await Server.Hosting.ApiServer.StartAsync("127.0.0.1", 0, o.Service);
        var (engine, executor) = o.NewScheduler(workerEnvironment: new() { ["UPDRAFT__CORE__EXECUTION_API_SERVER_URL"] = new Uri(server.Address, "execution/").ToString() });
        var run = await o.TriggerAsync("flow");

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("success", await o.RunStateAsync("flow", run.RunId));
        Assert.Contains("total=6", o.ReadLog("flow", run.RunId, "total", 1));

        // Each try's start, code, XCom and finish calls: over HTTP.
        Assert.True(server.Requests >= 6, $"{server.Requests} requests");
    }

    [Fact]
    public async Task Catchup_CreatesEveryIntervalInOrderWithinOneActiveRun()
    {
        await using var o = await NewAsync(new() { ["UPDRAFT__SCHEDULER__CREATE_CRON_DATA_INTERVALS"] = "True" });
        o.WriteDag("daily.cs", """
            public sealed class Daily : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var dag = new Dag("daily", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
                    {
                        Catchup = true, MaxActiveRuns = 1, EndDate = new DateTimeOffset(2025, 1, 4, 0, 0, 0, TimeSpan.Zero),
                    };
                    dag.Bash("echo", "echo {{ ds }} {{ data_interval_end }}");
                    yield return dag;
                }
            }
            """);
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var runs = new DagRunStore(o.Database);
        var mostActive = 0;

        await o.RunToCompletionAsync(engine, executor, afterPass: async () =>
            mostActive = Math.Max(mostActive, (await runs.ActiveCountsAsync()).GetValueOrDefault("daily")));

        var all = (await runs.ListAsync("daily")).OrderBy(r => r.LogicalDate).ToList();
        Assert.Equal(
            ["scheduled__2025-01-01T00:00:00+00:00", "scheduled__2025-01-02T00:00:00+00:00", "scheduled__2025-01-03T00:00:00+00:00", "scheduled__2025-01-04T00:00:00+00:00"],
            all.Select(r => r.RunId));
        Assert.All(all, r => Assert.Equal("success", r.State.ToWireName()));
        Assert.Equal(1, mostActive);
        Assert.Contains("2025-01-02 2025-01-03T00:00:00+00:00", o.ReadLog("daily", all[1].RunId, "echo", 1));
    }

    [Fact]
    public async Task PausedDag_GetsNoScheduledRuns()
    {
        await using var o = await NewAsync(new() { ["UPDRAFT__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "True" });
        o.WriteDag("paused.cs", Orchestra.DagSource("paused", "dag.Empty(\"a\");", "Catchup = true").Replace("new Dag(\"paused\",", "new Dag(\"paused\", schedule: \"@daily\",", StringComparison.Ordinal));
        await o.ProcessAsync();
        var (engine, _) = o.NewScheduler();
        await engine.RunOnceAsync();
        Assert.Empty(await new DagRunStore(o.Database).ListAsync("paused"));
        Assert.True((await new DagStore(o.Database).GetAsync("paused"))!.IsPaused);
    }

    [Theory]
    [InlineData("parallelism", 2)]
    [InlineData("max_active_tasks", 1)]
    [InlineData("pool", 1)]
    [InlineData("max_active_tis_per_dag", 1)]
    public async Task Limits_NeverExceeded(string limit, int expected)
    {
        await using var o = await NewAsync();
        var taskSettings = limit switch
        {
            "pool" => "t.Pool = \"narrow\";",
            "max_active_tis_per_dag" => "t.MaxActiveTisPerDag = 1;",
            _ => "",
        };
        var body = limit == "max_active_tis_per_dag"
            ? $"var t = dag.Bash(\"sleepy\", \"sleep 0.3\"); {taskSettings}"
            : $"for (var i = 0; i < 5; i++) {{ var t = dag.Bash($\"t{{i}}\", \"sleep 0.3\"); {taskSettings} }}";
        o.WriteDag("limits.cs", Orchestra.DagSource("limits", body, limit == "max_active_tasks" ? "MaxActiveTasks = 1" : ""));
        await o.ProcessAsync();
        await new PoolStore(o.Database).SetAsync("narrow", 1, null);
        var (engine, executor) = o.NewScheduler(parallelism: limit == "parallelism" ? 2 : 8);
        for (var i = 0; i < (limit == "max_active_tis_per_dag" ? 3 : 1); i++)
        {
            await o.TriggerAsync("limits", $"run{i}");
        }

        var tasks = new TaskInstanceStore(o.Database);
        var most = 0;
        await o.RunToCompletionAsync(engine, executor, afterPass: async () =>
            most = Math.Max(most, (await tasks.ActiveAsync()).Count(t => t.DagId == "limits")));

        Assert.Equal(expected, most);
        await using var connection = await o.Database.OpenAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM task_instance WHERE state <> 'success'"));
    }

    [Fact]
    public async Task Retry_FailedTryIsRetriedAfterItsDelay()
    {
        await using var o = await NewAsync();
        o.WriteDag("retry.cs", Orchestra.DagSource("retry", """
            var t = dag.Task("flaky", ctx => ctx.TryNumber < 3 ? throw new InvalidOperationException($"try {ctx.TryNumber} fails") : ctx.TryNumber);
            t.Retries = 3;
            t.RetryDelay = TimeSpan.FromMilliseconds(200);
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("retry");

        await o.RunToCompletionAsync(engine, executor);

        var ti = (await o.TasksAsync("retry", run.RunId))["flaky"];
        Assert.Equal(("success", 3), (ti.State.ToWireName(), ti.TryNumber));
        Assert.Contains("try 1 fails", o.ReadLog("retry", run.RunId, "flaky", 1));
        Assert.Contains("try 2 fails", o.ReadLog("retry", run.RunId, "flaky", 2));
        await using var connection = await o.Database.OpenAsync();
        Assert.Equal(["up_for_retry", "up_for_retry", "success"], await connection.QueryAsync<string>("SELECT state FROM task_instance_history WHERE task_id = 'flaky' ORDER BY try_number"));
    }

    [Fact]
    public async Task Retry_ExhaustedFailsTheRun()
    {
        await using var o = await NewAsync();
        o.WriteDag("doomed.cs", Orchestra.DagSource("doomed", """
            var t = dag.Bash("always", "exit 1");
            t.Retries = 1;
            t.RetryDelay = TimeSpan.Zero;
            _ = t >> dag.Empty("after");
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("doomed");

        await o.RunToCompletionAsync(engine, executor);

        var tis = await o.TasksAsync("doomed", run.RunId);
        Assert.Equal(("failed", 2), (tis["always"].State.ToWireName(), tis["always"].TryNumber));
        Assert.Equal("upstream_failed", tis["after"].State.ToWireName());
        Assert.Equal("failed", await o.RunStateAsync("doomed", run.RunId));
    }

    [Fact]
    public async Task KilledWorker_DetectedAndRetried()
    {
        await using var o = await NewAsync();
        var marker = Path.Combine(o.Home, "first-try-started");
        o.WriteDag("victim.cs", Orchestra.DagSource("victim", $$"""
            var t = dag.Bash("victim", "if [ -e {{marker}} ]; then echo second try; else touch {{marker}}; sleep 60; fi");
            t.Retries = 1;
            t.RetryDelay = TimeSpan.Zero;
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("victim");
        var tasks = new TaskInstanceStore(o.Database);
        var killed = false;

        await o.RunToCompletionAsync(engine, executor, afterPass: async () =>
        {
            var ti = await tasks.GetAsync(new TaskInstanceKey("victim", run.RunId, "victim"));
            if (!killed && ti is { State: TaskInstanceState.Running, Pid: { } pid } && File.Exists(marker))
            {
                System.Diagnostics.Process.GetProcessById(pid).Kill(entireProcessTree: true);
                killed = true;
            }
        });

        Assert.True(killed);
        var done = (await o.TasksAsync("victim", run.RunId))["victim"];
        Assert.Equal(("success", 2), (done.State.ToWireName(), done.TryNumber));
        Assert.Contains("exited with code 137", o.ReadLog("victim", run.RunId, "victim", 1));
    }

    [Fact]
    public async Task Zombie_RunningTaskWithoutHeartbeat_FailedOrRetried()
    {
        await using var o = await NewAsync();
        o.WriteDag("zombie.cs", Orchestra.DagSource("zombie", "var t = dag.Empty(\"z\"); t.Retries = 1;"));
        await o.ProcessAsync();
        var run = await o.TriggerAsync("zombie");
        var (engine, _) = o.NewScheduler(zombieThreshold: TimeSpan.FromSeconds(30));
        var key = new TaskInstanceKey("zombie", run.RunId, "z");
        var tasks = new TaskInstanceStore(o.Database);
        var longAgo = TimeProvider.System.GetUtcNow().AddMinutes(-10);

        // As if a worker took the task ten minutes ago and its machine vanished.
        await new DagRunStore(o.Database).TransitionAsync(run.Id, DagRunState.Queued, DagRunState.Running, longAgo);
        await tasks.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.None, TaskInstanceState.Scheduled)], longAgo);
        await o.Database.QueueAsync([key], longAgo);
        await tasks.StartAsync(key, 1, "lost-host", 1, longAgo);

        var pass = await engine.RunOnceAsync();

        Assert.Equal(1, pass.TasksLost);
        Assert.Equal("up_for_retry", (await tasks.GetAsync(key))!.State.ToWireName());
    }

    [Fact]
    public async Task QueuedTooLong_LeftByAStoppedScheduler_FailedOrRetried()
    {
        await using var o = await NewAsync();
        o.WriteDag("stuck.cs", Orchestra.DagSource("stuck", "var t = dag.Bash(\"q\", \"true\"); t.Retries = 1; t.RetryDelay = TimeSpan.Zero;"));
        await o.ProcessAsync();
        var run = await o.TriggerAsync("stuck");
        var key = new TaskInstanceKey("stuck", run.RunId, "q");
        var tasks = new TaskInstanceStore(o.Database);
        var longAgo = TimeProvider.System.GetUtcNow().AddMinutes(-20);

        // Queued twenty minutes ago by a scheduler that stopped before its worker took the task.
        await new DagRunStore(o.Database).TransitionAsync(run.Id, DagRunState.Queued, DagRunState.Running, longAgo);
        await tasks.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.None, TaskInstanceState.Scheduled)], longAgo);
        await o.Database.QueueAsync([key], longAgo);
        var (engine, executor) = o.NewScheduler(queuedTimeout: TimeSpan.FromMinutes(10));

        Assert.Equal(1, (await engine.RunOnceAsync()).TasksLost);

        // Its retry has no delay, so the same pass queued try 2 already.
        Assert.Equal(("queued", 2), ((await tasks.GetAsync(key))!.State.ToWireName(), (await tasks.GetAsync(key))!.TryNumber));
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal(("success", 2), ((await tasks.GetAsync(key))!.State.ToWireName(), (await tasks.GetAsync(key))!.TryNumber));
    }

    [Fact]
    public async Task TasksClear_FailedAndDownstream_RunAgainAndSucceed()
    {
        await using var o = await NewAsync();
        var marker = Path.Combine(o.Home, "fixed");
        o.WriteDag("fixable.cs", Orchestra.DagSource("fixable", $$$"""
            var fragile = dag.Bash("fragile", "test -e {{{marker}}}");
            _ = fragile >> dag.Bash("after", "echo done");
            dag.Bash("independent", "echo fine");
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("fixable");
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal("failed", await o.RunStateAsync("fixable", run.RunId));

        await File.WriteAllTextAsync(marker, "");
        using var output = new StringWriter();
        var exit = await Updraft.Cli.UpdraftCli.RunAsync(
            ["tasks", "clear", "fixable", "--only-failed", "--downstream", "-y"],
            new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, TextWriter.Null, TimeProvider.System));
        Assert.Equal((0, "Cleared 2 task instance(s).\n"), (exit, output.ToString()));
        Assert.Equal("queued", await o.RunStateAsync("fixable", run.RunId));

        await o.RunToCompletionAsync(engine, executor);

        var tis = await o.TasksAsync("fixable", run.RunId);
        Assert.Equal("success", await o.RunStateAsync("fixable", run.RunId));
        Assert.Equal((2, 1, 1), (tis["fragile"].TryNumber, tis["after"].TryNumber, tis["independent"].TryNumber));
        var events = await new EventLogStore(o.Database, TimeProvider.System).ListAsync("fixable");
        Assert.Contains(events, e => e.Event == "cli_clear" && e.Extra == "2 task instance(s)");
    }

    [Fact]
    public async Task TasksRun_RunsOneTaskInstanceByHand()
    {
        await using var o = await NewAsync();
        o.WriteDag("by_hand.cs", Orchestra.DagSource("by_hand", "dag.Task(\"answer\", ctx => { ctx.Log.Info(\"computing\"); return 42; });"));
        await o.ProcessAsync();
        var run = await o.TriggerAsync("by_hand");
        async Task<(int Exit, string Out, string Error)> CliAsync(params string[] args)
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            var exit = await Updraft.Cli.UpdraftCli.RunAsync(args, new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, error, TimeProvider.System));
            return (exit, output.ToString(), error.ToString());
        }

        var refused = await CliAsync("tasks", "run", "by_hand", "answer", run.RunId);
        Assert.Equal(1, refused.Exit);
        Assert.Contains("is none, not queued; pass --force", refused.Error);

        var ran = await CliAsync("tasks", "run", "by_hand", "answer", run.RunId, "--force");
        Assert.Equal(0, ran.Exit);
        Assert.StartsWith($"Task by_hand.answer run_id={run.RunId} try 1: success", ran.Out);
        Assert.Contains("computing", o.ReadLog("by_hand", run.RunId, "answer", 1));
        Assert.Equal("42", await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new Core.Runtime.XComKey("by_hand", run.RunId, "answer", -1, "return_value")));
    }

    /// <summary>A DAG whose task writes "run version" to a file of its own per run (workers of two runs write at once).</summary>
    private static string LedgerDag(string ledger, string version) => Orchestra.DagSource("versioned", $$"""
        dag.Task("which", (TaskContext ctx) => { File.WriteAllText("{{ledger}}." + ctx.DagRun.RunId, $"{ctx.DagRun.RunId} {{version}}"); return "{{version}}"; });
        """);

    private static IEnumerable<string> LedgerLines(string ledger) =>
        Directory.GetFiles(Path.GetDirectoryName(ledger)!, Path.GetFileName(ledger) + ".*").Select(File.ReadAllText).Order();

    [Fact]
    public async Task RunOfVersionOne_AfterTheFileChanged_RunsVersionOnesCode()
    {
        await using var o = await NewAsync();
        var ledger = Path.Combine(o.Home, "ledger.txt");
        o.WriteDag("versioned.cs", LedgerDag(ledger, "v1"));
        await o.ProcessAsync();
        await o.TriggerAsync("versioned", "first");
        o.WriteDag("versioned.cs", LedgerDag(ledger, "v2"));
        await o.ProcessAsync();
        await o.TriggerAsync("versioned", "second");
        var (engine, executor) = o.NewScheduler();

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal(["first v1", "second v2"], LedgerLines(ledger));
        Assert.Equal(("\"v1\"", "\"v2\""), (
            await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new Core.Runtime.XComKey("versioned", "first", "which", -1, "return_value")),
            await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new Core.Runtime.XComKey("versioned", "second", "which", -1, "return_value"))));
    }

    [Fact]
    public async Task Worker_WithoutTheDagsFolderOrCompileCache_RunsTheCodeFetchedThroughTheExecutionApi()
    {
        await using var o = await NewAsync();
        var ledger = Path.Combine(o.Home, "ledger.txt");
        o.WriteDag("versioned.cs", LedgerDag(ledger, "v1"));
        await o.ProcessAsync();
        var run = await o.TriggerAsync("versioned", "remote");

        // As on another machine: no DAG files, nothing compiled.
        Directory.Delete(o.Context.DagsFolder, recursive: true);
        Directory.Delete(Path.Combine(o.Home, "cache"), recursive: true);
        var (engine, executor) = o.NewScheduler();
        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("success", await o.RunStateAsync("versioned", run.RunId));
        Assert.Equal(["remote v1"], LedgerLines(ledger));
        Assert.Single(Directory.GetFiles(o.Context.DagCodeCacheFolder));
    }

    private static void WriteShared(Orchestra o, string version)
    {
        Directory.CreateDirectory(Path.Combine(o.Context.DagsFolder, "_shared"));
        File.WriteAllText(Path.Combine(o.Context.DagsFolder, "_shared", "Stamp.cs"), $$"""
            namespace Acme;
            public static class Stamp
            {
                public static string Of(string runId) => $"{runId} {{version}}";
            }
            """);
    }

    [Fact]
    public async Task SharedCode_ParsedInChildProcesses_EachRunUsesItsVersionsSharedCode_OnAWorkerWithoutTheFolder_AndInDagCallbacks()
    {
        await using var o = await NewAsync();
        var ledger = Path.Combine(o.Home, "ledger.txt");
        WriteShared(o, "v1");
        o.WriteDag("stamped.cs", Orchestra.DagSource("stamped", $$"""
            dag.Task("which", (TaskContext ctx) => { File.WriteAllText("{{ledger}}." + ctx.DagRun.RunId, Acme.Stamp.Of(ctx.DagRun.RunId)); });
            """, """
            OnSuccess = { c => c.Log.Info("callback says " + Acme.Stamp.Of(c.RunId)) },
            """));
        o.WriteDag("plain.cs", Orchestra.DagSource("plain", "dag.Empty(\"a\");"));
        await using var parser = o.Context.NewChildProcessParser();
        var processor = new Processing.DagProcessor(parser, o.Context.DagFolders, o.Database, o.Context.TriggerKwargs, TimeProvider.System);
        Assert.Empty((await processor.RunOnceAsync()).ImportErrors);
        await o.TriggerAsync("stamped", "first");
        WriteShared(o, "v2");
        Assert.Empty((await processor.RunOnceAsync()).ImportErrors);
        await o.TriggerAsync("stamped", "second");

        // The shared change made a new version of the DAG that uses it, not of the other.
        var dags = new DagStore(o.Database);
        Assert.Equal(2, (await dags.GetSerializedAsync("stamped"))!.Value.Version);
        Assert.Equal(1, (await dags.GetSerializedAsync("plain"))!.Value.Version);
        Assert.Null((await dags.GetSerializedAsync("plain"))!.Value.Dag.SharedHash);

        // As on another machine: no DAG files, nothing compiled; the worker fetches file and shared code by hash.
        Directory.Delete(o.Context.DagsFolder, recursive: true);
        Directory.Delete(Path.Combine(o.Home, "cache"), recursive: true);
        var (engine, executor) = o.NewScheduler();
        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal(["first v1", "second v2"], LedgerLines(ledger));
        Assert.Equal(3, Directory.GetFiles(o.Context.DagCodeCacheFolder).Length); // the file (unchanged) and two shared bundles
        var runner = o.Context.NewDagCallbackRunner(o.Database, Microsoft.Extensions.Logging.Abstractions.NullLogger<Processing.DagCallbackRunner>.Instance);
        Assert.Equal(2, await runner.RunPendingAsync() + await runner.RunPendingAsync());
        Assert.Contains("callback says first v1", await File.ReadAllTextAsync(Processing.DagCallbackRunner.LogPath(o.LogFolder, "stamped", "first")));
        Assert.Contains("callback says second v2", await File.ReadAllTextAsync(Processing.DagCallbackRunner.LogPath(o.LogFolder, "stamped", "second")));
    }

    [Fact]
    public async Task SharedCodeThatDoesNotCompile_IsAnImportErrorOfItsFile_ListedOnce_AndDagsNotUsingItStillRun()
    {
        await using var o = await NewAsync();
        Directory.CreateDirectory(Path.Combine(o.Context.DagsFolder, "_shared"));
        var broken = Path.Combine(o.Context.DagsFolder, "_shared", "Broken.cs");
        File.WriteAllText(broken, "namespace Acme;\npublic static class Broken { public static int X => ; }\n");
        o.WriteDag("user.cs", Orchestra.DagSource("user", "dag.Empty(Acme.Broken.X.ToString());"));
        o.WriteDag("other_user.cs", Orchestra.DagSource("other_user", "dag.Empty(Acme.Broken.X.ToString());"));
        o.WriteDag("plain.cs", Orchestra.DagSource("plain", "dag.Empty(\"a\");"));
        await using var parser = o.Context.NewChildProcessParser();
        var processor = new Processing.DagProcessor(parser, o.Context.DagFolders, o.Database, o.Context.TriggerKwargs, TimeProvider.System);
        var parsed = await processor.RunOnceAsync();

        Assert.Equal(["plain"], parsed.Dags.Select(d => d.DagId));
        var sharedError = Assert.Single(parsed.ImportErrors, e => e.Filename == broken);
        Assert.Equal(2, sharedError.Line);
        Assert.Equal(3, parsed.ImportErrors.Count);
        var dags = new DagStore(o.Database);
        Assert.Equal(
            [broken, Path.Combine(o.Context.DagsFolder, "other_user.cs"), Path.Combine(o.Context.DagsFolder, "user.cs")],
            (await dags.ImportErrorsAsync()).Select(e => e.Filename).Order(StringComparer.Ordinal));

        // Fixed: every error goes, the DAGs load.
        File.WriteAllText(broken, "namespace Acme;\npublic static class Broken { public static int X => 7; }\n");
        Assert.Equal(["other_user", "plain", "user"], (await processor.RunOnceAsync()).Dags.Select(d => d.DagId).Order(StringComparer.Ordinal));
        Assert.Empty(await dags.ImportErrorsAsync());
    }

    [Fact]
    public async Task EmptyTasks_SucceedInTheSchedulerWithoutAWorker_DownstreamRuns()
    {
        await using var o = await NewAsync();
        o.WriteDag("hollow.cs", Orchestra.DagSource("hollow", """
            _ = dag.Empty("start") >> dag.Empty("middle") >> dag.Task("work", (TaskContext ctx) => 42);
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("hollow");

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("success", await o.RunStateAsync("hollow", run.RunId));
        var tasks = await o.TasksAsync("hollow", run.RunId);
        Assert.Equal((TaskInstanceState.Success, 0, null), (tasks["start"].State, tasks["start"].TryNumber, tasks["start"].Hostname));
        Assert.Equal((TaskInstanceState.Success, 0), (tasks["middle"].State, tasks["middle"].TryNumber));
        Assert.NotNull(tasks["middle"].EndDate);
        Assert.Equal((TaskInstanceState.Success, 1), (tasks["work"].State, tasks["work"].TryNumber));
        Assert.False(Directory.Exists(Path.Combine(o.LogFolder, "dag_id=hollow", $"run_id={run.RunId}", "task_id=start")));
    }

    [Fact]
    public async Task SeveralExecutors_EachTaskRunsOnTheOneItNames()
    {
        await using var o = await NewAsync();
        o.WriteDag("mixed.cs", Orchestra.DagSource("mixed", """
            dag.Bash("local_1", "sleep 0.2");
            dag.Bash("local_2", "sleep 0.2");
            for (var i = 1; i <= 3; i++)
            {
                dag.Bash($"one_at_a_time_{i}", "sleep 0.3").Executor = "SequentialExecutor";
            }
            """));
        await o.ProcessAsync();
        IReadOnlyList<Executors.IExecutor> executors = [o.NewExecutor(Executors.LocalExecutor.DefaultName, 4), o.NewExecutor("SequentialExecutor", 1)];
        var engine = o.NewEngine(executors);
        var run = await o.TriggerAsync("mixed");

        await o.RunToCompletionAsync(engine, executors);

        var tasks = await o.TasksAsync("mixed", run.RunId);
        Assert.All(tasks.Values, t => Assert.Equal(TaskInstanceState.Success, t.State));
        Assert.Equal(
            ["LocalExecutor", "LocalExecutor", "SequentialExecutor", "SequentialExecutor", "SequentialExecutor"],
            tasks.Values.OrderBy(t => t.TaskId, StringComparer.Ordinal).Select(t => t.Executor));

        // The one-slot executor ran its three tasks one after another.
        var sequential = tasks.Values.Where(t => t.Executor == "SequentialExecutor").OrderBy(t => t.StartDate).ToList();
        for (var i = 1; i < sequential.Count; i++)
        {
            Assert.True(sequential[i].StartDate >= sequential[i - 1].EndDate, $"{sequential[i].TaskId} started before {sequential[i - 1].TaskId} ended");
        }
    }

    [Fact]
    public async Task TaskNamingAnExecutorNotConfigured_IsAnImportError()
    {
        await using var o = await NewAsync();
        o.WriteDag("elsewhere.cs", Orchestra.DagSource("elsewhere", "dag.Bash(\"a\", \"echo\").Executor = \"KubernetesExecutor\";"));
        var processor = new Processing.DagProcessor(o.Context.NewLoader(), o.Context.DagFolders, o.Database, o.Context.TriggerKwargs, TimeProvider.System) { Executors = ["LocalExecutor"] };
        var parsed = await processor.RunOnceAsync();
        var error = Assert.Single(parsed.ImportErrors);
        Assert.Equal(
            "Task 'a' of DAG 'elsewhere' names executor 'KubernetesExecutor', which is not configured ([core] executor = LocalExecutor).",
            error.Message);
        Assert.Null(await new DagStore(o.Database).GetAsync("elsewhere"));
    }

    [Fact]
    public async Task TryLostBeforeItStarted_DoesNotUseUpATry()
    {
        await using var o = await NewAsync();
        var ledger = Path.Combine(o.Home, "ran.txt");
        o.WriteDag("handover.cs", Orchestra.DagSource("handover", $$"""
            var t = dag.Bash("fails", "echo ran $$ >> {{ledger}}; exit 1");
            t.Retries = 1;
            t.RetryDelay = TimeSpan.Zero;
            """));
        await o.ProcessAsync();
        await using var executor = new LosesFirstHandOver(o.NewExecutor(Executors.LocalExecutor.DefaultName, 2));
        var engine = o.NewEngine([executor]);
        var run = await o.TriggerAsync("handover");

        await o.RunToCompletionAsync(engine, executor);

        // The lost hand-over was queued again as try 1; then two real tries ran (retries = 1) and failed.
        Assert.Equal(1, executor.Lost);
        var ti = (await o.TasksAsync("handover", run.RunId))["fails"];
        Assert.Equal((TaskInstanceState.Failed, 2), (ti.State, ti.TryNumber));
        Assert.Equal(2, (await File.ReadAllLinesAsync(ledger)).Length);
        await using var connection = await o.Database.OpenAsync();
        var history = (await connection.QueryAsync<(int Try, string State, int? Pid, long? Start, long? End)>(
            "SELECT try_number, state, pid, start_date, end_date FROM task_instance_history WHERE dag_id = 'handover' ORDER BY try_number")).ToList();
        Assert.Equal([(1, "up_for_retry"), (2, "failed")], history.Select(h => (h.Try, h.State)));
        Assert.All(history, h => Assert.True(h.Pid is not null && h.Start is not null && h.End >= h.Start));
        Assert.True(history[1].Start >= history[0].End);
    }

    /// <summary>An executor whose first hand-over is lost before the try starts (as when a worker dies while it is sent a try).</summary>
    private sealed class LosesFirstHandOver(Executors.IExecutor inner) : Executors.IExecutor
    {
        private readonly System.Threading.Channels.Channel<Executors.ExecutorEvent> _lost = System.Threading.Channels.Channel.CreateUnbounded<Executors.ExecutorEvent>();

        public int Lost { get; private set; }

        public string Name => inner.Name;

        public int OpenSlots => inner.OpenSlots;

        public System.Threading.Channels.ChannelReader<Executors.ExecutorEvent> Events => Lost == 1 && _lost.Reader.Count == 0 ? inner.Events : _lost.Reader;

        public Task StartAsync(CancellationToken cancellationToken = default) => inner.StartAsync(cancellationToken);

        public async ValueTask SubmitAsync(IReadOnlyList<TaskInstanceRecord> batch, CancellationToken cancellationToken = default)
        {
            if (Lost == 0)
            {
                Lost = 1;
                await _lost.Writer.WriteAsync(new Executors.ExecutorEvent(batch[0].Key, batch[0].TryNumber, Lost: true, "the worker died during the hand-over"), cancellationToken);
                batch = [.. batch.Skip(1)];
            }

            await inner.SubmitAsync(batch, cancellationToken);
        }

        public ValueTask<bool> TerminateAsync(TaskInstanceKey key, int tryNumber, CancellationToken cancellationToken = default) => inner.TerminateAsync(key, tryNumber, cancellationToken);

        public Task StopAsync(CancellationToken cancellationToken = default) => inner.StopAsync(cancellationToken);

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    [Fact]
    public async Task ClearOnLatestVersion_TasksGoneFromTheVersionBecomeRemoved_NewOnesRun()
    {
        await using var o = await NewAsync();
        o.WriteDag("evolving.cs", Orchestra.DagSource("evolving", """
            var a = dag.Bash("a", "echo v1 a");
            _ = a >> dag.Bash("b", "echo v1 b");
            dag.Bash("c", "echo v1 c");
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("evolving");
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal("success", await o.RunStateAsync("evolving", run.RunId));

        // Version 2 drops b and c and adds d after a.
        o.WriteDag("evolving.cs", Orchestra.DagSource("evolving", """
            var a = dag.Bash("a", "echo v2 a");
            _ = a >> dag.Bash("d", "echo v2 d");
            """));
        await o.ProcessAsync();
        using var output = new StringWriter();
        var exit = await Updraft.Cli.UpdraftCli.RunAsync(
            ["tasks", "clear", "evolving", "-t", "^a$", "--run-on-latest-version", "-y"],
            new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, TextWriter.Null, TimeProvider.System));
        Assert.Equal(0, exit);
        Assert.Contains($"Run {run.RunId} moved from version 1 to 2; removed: b, c.", output.ToString());

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("success", await o.RunStateAsync("evolving", run.RunId));
        Assert.Equal(2, (await new DagRunStore(o.Database).GetAsync("evolving", run.RunId))!.DagVersion);
        var tasks = await o.TasksAsync("evolving", run.RunId);
        Assert.Equal(
            [("a", TaskInstanceState.Success, 2), ("b", TaskInstanceState.Removed, 1), ("c", TaskInstanceState.Removed, 1), ("d", TaskInstanceState.Success, 1)],
            tasks.Values.OrderBy(t => t.TaskId, StringComparer.Ordinal).Select(t => (t.TaskId, t.State, t.TryNumber)));
        Assert.Contains("v2 a", o.ReadLog("evolving", run.RunId, "a", 2));
        Assert.Contains("v2 d", o.ReadLog("evolving", run.RunId, "d", 1));
    }

    private static Updraft.Scheduling.Operations.BackfillService Backfills(Orchestra o) => new(
        new DagStore(o.Database), new DagRunStore(o.Database), new TaskInstanceStore(o.Database), new BackfillStore(o.Database), new EventLogStore(o.Database, TimeProvider.System), TimeProvider.System);

    private static readonly DateTimeOffset Jan1 = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static string DailyDag(string dagId, string command, int maxActiveRuns) => $$"""
        public sealed class Source_{{dagId}} : IDagSource
        {
            public IEnumerable<Dag> Build()
            {
                var dag = new Dag("{{dagId}}", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
                {
                    Catchup = false, MaxActiveRuns = {{maxActiveRuns}},
                };
                dag.Bash("work", "{{command}}");
                yield return dag;
            }
        }
        """;

    [Fact]
    public async Task Backfill_RunsItsIntervalsInOrder_UnderItsOwnMaxActiveRuns_AndCompletes()
    {
        await using var o = await NewAsync();
        o.WriteDag("bf.cs", DailyDag("bf", "echo {{ ds }}", maxActiveRuns: 1));
        await o.ProcessAsync();
        var service = Backfills(o);
        var (backfill, created, reprocessed, skipped) = await service.CreateAsync(
            new("bf", Jan1, Jan1.AddDays(4)) { MaxActiveRuns = 2 }, new Updraft.Scheduling.Operations.Actor("tester", "test"));
        Assert.Equal((5, 0, 0), (created, reprocessed, skipped.Count));
        var (engine, executor) = o.NewScheduler();
        var mostRunning = 0;

        await o.RunToCompletionAsync(engine, executor, afterPass: async () =>
        {
            await using var connection = await o.Database.OpenAsync();
            mostRunning = Math.Max(mostRunning, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM dag_run WHERE backfill_id IS NOT NULL AND state = 'running'"));
        });

        // Two at a time although the DAG allows one: a backfill's limit is its own, as in Airflow.
        Assert.Equal(2, mostRunning);
        var runs = (await new DagRunStore(o.Database).ListAsync("bf")).Where(r => r.BackfillId == backfill.Id).OrderBy(r => r.LogicalDate).ToList();
        Assert.Equal(Enumerable.Range(1, 5).Select(d => $"backfill__2025-01-0{d}T00:00:00+00:00"), runs.Select(r => r.RunId));
        Assert.All(runs, r => Assert.Equal(DagRunState.Success, r.State));
        Assert.Equal(runs.Select(r => r.StartDate), runs.Select(r => r.StartDate).Order());
        Assert.Contains("2025-01-03", o.ReadLog("bf", runs[2].RunId, "work", 1));
        Assert.Equal("backfill", runs[0].RunType);

        // The scheduler marks it complete (once a second) when none of its runs is left to run.
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        await engine.RunOnceAsync();
        Assert.NotNull((await service.GetAsync(backfill.Id)).CompletedAt);
    }

    [Fact]
    public async Task Backfill_ReprocessesFailedRuns_PausedStartsNothing_CancelFailsQueuedRuns_OneActivePerDag()
    {
        await using var o = await NewAsync();
        o.WriteDag("bf2.cs", DailyDag("bf2", "test {{ ds }} != 2025-01-02", maxActiveRuns: 16));
        await o.ProcessAsync();
        var service = Backfills(o);
        var actor = new Updraft.Scheduling.Operations.Actor("tester", "test");
        var (engine, executor) = o.NewScheduler();
        var runs = new DagRunStore(o.Database);
        var first = await service.CreateAsync(new("bf2", Jan1, Jan1.AddDays(2)), actor);
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal("failed", await o.RunStateAsync("bf2", "backfill__2025-01-02T00:00:00+00:00"));
        Assert.Equal("success", await o.RunStateAsync("bf2", "backfill__2025-01-03T00:00:00+00:00"));
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        await engine.RunOnceAsync();

        // Only the failed interval is run again; the others exist and are left alone.
        var failedOnly = new Updraft.Scheduling.Operations.BackfillRequest("bf2", Jan1, Jan1.AddDays(2)) { ReprocessBehavior = ReprocessBehavior.Failed };
        Assert.Equal([Jan1.AddDays(1)], await service.DryRunAsync(failedOnly));
        Assert.Equal([Jan1, Jan1.AddDays(1), Jan1.AddDays(2)], await service.DryRunAsync(failedOnly with { ReprocessBehavior = ReprocessBehavior.Completed }));
        var second = await service.CreateAsync(failedOnly, actor);
        Assert.Equal((0, 1), (second.Created, second.Reprocessed));
        Assert.Equal(2, second.Skipped[BackfillExceptionReason.AlreadyExists]);
        var rerun = (await runs.GetAsync("bf2", "backfill__2025-01-02T00:00:00+00:00"))!;
        Assert.Equal((DagRunState.Queued, (long?)second.Backfill.Id), (rerun.State, rerun.BackfillId));

        // Paused: its queued run is not started; unpaused, it runs (and fails again, a second try).
        await service.SetPausedAsync(second.Backfill.Id, true, actor);
        await engine.RunOnceAsync();
        Assert.Equal("queued", await o.RunStateAsync("bf2", rerun.RunId));
        await service.SetPausedAsync(second.Backfill.Id, false, actor);
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal("failed", await o.RunStateAsync("bf2", rerun.RunId));
        Assert.Equal(2, (await o.TasksAsync("bf2", rerun.RunId))["work"].TryNumber);
        Assert.NotNull((await service.GetAsync(first.Backfill.Id)).CompletedAt);
        await Task.Delay(TimeSpan.FromMilliseconds(1100));
        await engine.RunOnceAsync();

        // One backfill per DAG until it completes; cancelling fails its queued runs and completes it.
        var third = await service.CreateAsync(new("bf2", Jan1.AddDays(3), Jan1.AddDays(5)) { MaxActiveRuns = 1 }, actor);
        var busy = await Assert.ThrowsAsync<Updraft.Scheduling.Operations.OperationException>(() => service.CreateAsync(new("bf2", Jan1.AddDays(6), Jan1.AddDays(7)), actor));
        Assert.Equal(Updraft.Scheduling.Operations.OperationError.Conflict, busy.Kind);
        Assert.Contains("only one running backfill per DAG", busy.Message, StringComparison.Ordinal);
        await service.SetPausedAsync(third.Backfill.Id, true, actor);
        var cancelled = await service.CancelAsync(third.Backfill.Id, actor);
        Assert.NotNull(cancelled.CompletedAt);
        Assert.All(
            (await runs.ListAsync("bf2")).Where(r => r.BackfillId == third.Backfill.Id),
            r => Assert.Equal(DagRunState.Failed, r.State));
        var again = await Assert.ThrowsAsync<Updraft.Scheduling.Operations.OperationException>(() => service.CancelAsync(third.Backfill.Id, actor));
        Assert.Equal("Backfill is already completed.", again.Message);
        Assert.Equal(3, (await service.CreateAsync(new("bf2", Jan1.AddDays(6), Jan1.AddDays(8)), actor)).Created);
    }

    private const string BranchingDag = """
        var pick = dag.Branch("pick", ctx => ctx.Params.Get<string>("path"));
        var fast = dag.Bash("fast", "echo fast");
        TaskGroup slow;
        using (slow = dag.Group("slow", tooltip: "the long way"))
        {
            dag.Bash("prepare", "echo prepare").Then(dag.Bash("crunch", "echo crunch"));
        }

        var join = dag.Bash("join", "echo joined");
        join.TriggerRule = TriggerRule.NoneFailedMinOneSuccess;
        pick.Then(fast).Then(join);
        pick.Then(slow).Then(join);
        var gate = dag.ShortCircuit("gate", ctx => ctx.Params.Get<string>("path") == "slow");
        join.Then(gate).Then(dag.Bash("publish", "echo publish")).Then(dag.Bash("announce", "echo announce"));
        """;

    [Fact]
    public async Task Branching_InWorkerProcesses_SkipsTheUnchosenPathAndShortCircuitsDownstream()
    {
        await using var o = await NewAsync();
        o.WriteDag("branching.cs", Orchestra.DagSource("branching", BranchingDag, "Params = { [\"path\"] = new Param(\"fast\") }"));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var fast = await o.TriggerAsync("branching");
        var slow = await o.TriggerAsync("branching", conf: new() { ["path"] = "slow" });

        await o.RunToCompletionAsync(engine, executor);

        Assert.True("success" == await o.RunStateAsync("branching", fast.RunId), o.ReadLog("branching", fast.RunId, "pick", 1));
        var states = (await o.TasksAsync("branching", fast.RunId)).ToDictionary(t => t.Key, t => t.Value.State.ToWireName());
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["pick"] = "success", ["fast"] = "success", ["slow.prepare"] = "skipped", ["slow.crunch"] = "skipped",
                ["join"] = "success", ["gate"] = "success", ["publish"] = "skipped", ["announce"] = "skipped",
            },
            states);
        Assert.Contains("Skipping downstream tasks: slow.prepare", o.ReadLog("branching", fast.RunId, "pick", 1));
        Assert.Equal("success", await o.RunStateAsync("branching", slow.RunId));
        var slowStates = (await o.TasksAsync("branching", slow.RunId)).ToDictionary(t => t.Key, t => t.Value.State.ToWireName());
        Assert.Equal(("skipped", "success", "success", "success"), (slowStates["fast"], slowStates["slow.crunch"], slowStates["join"], slowStates["announce"]));
    }

    [Fact]
    public async Task Branching_OverTheHttpExecutionApi_SkipsAndAnUnknownIdFailsWithItsName()
    {
        await using var o = await NewAsync();
        o.WriteDag("branching.cs", Orchestra.DagSource("branching", BranchingDag, "Params = { [\"path\"] = new Param(\"fast\") }"));
        await o.ProcessAsync();
        await using var server = await Server.Hosting.ApiServer.StartAsync("127.0.0.1", 0, o.Service);
        var (engine, executor) = o.NewScheduler(workerEnvironment: new() { ["UPDRAFT__CORE__EXECUTION_API_SERVER_URL"] = new Uri(server.Address, "execution/").ToString() });
        var run = await o.TriggerAsync("branching");
        var wrong = await o.TriggerAsync("branching", conf: new() { ["path"] = "nowhere" });

        await o.RunToCompletionAsync(engine, executor);

        var states = await o.TasksAsync("branching", run.RunId);
        Assert.Equal(("skipped", "success"), (states["slow.prepare"].State.ToWireName(), states["join"].State.ToWireName()));
        Assert.Equal("failed", await o.RunStateAsync("branching", wrong.RunId));
        Assert.Equal(TaskInstanceState.Failed, (await o.TasksAsync("branching", wrong.RunId))["pick"].State);
        Assert.Contains("Branch 'pick' chose 'nowhere' is not a task or task group of DAG 'branching'.", o.ReadLog("branching", wrong.RunId, "pick", 1));
    }

    [Fact]
    public async Task Mapping_ExpandsAtRunTime_CollectsTypedResults_SkipsEmpty_AndEachInstanceClearsOnItsOwn()
    {
        await using var o = await NewAsync();
        var marker = Path.Combine(o.Home, "fixed");
        o.WriteDag("mapping.cs", Orchestra.DagSource("mapping", $$$"""
            var files = dag.Task("list_files", ctx => new[] { "a", "bb", "ccc" });
            var sizes = dag.Map("size", files, (TaskContext ctx, string f) =>
            {
                ctx.Log.Info($"instance {ctx.MapIndex} measures {f}");
                if (f == "bb" && !File.Exists(@"{{{marker}}}")) throw new InvalidOperationException("bb is not ready");
                return f.Length;
            });
            dag.Task("total", sizes, (TaskContext ctx, int[] all) => { ctx.Log.Info($"total={all.Sum()} of {all.Length}"); return all.Sum(); });
            var pairs = dag.Map("pair", MapInput.Over(files).Product(MapInput.Over(new[] { 1, 2 })), ((string F, int N) p) => p.F + p.N);
            var none = dag.Task("none", _ => Array.Empty<int>());
            dag.Map("never", none, (int n) => n).Then(dag.Bash("after_never", "echo never"));
            dag.MapBash("wc", files, f => "echo -n " + f + " | wc -c; echo " + f + "-$SUFFIX-{{ ds }}", new Dictionary<string, string> { ["SUFFIX"] = "{{ ti.task_id }}" });
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("mapping");

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("failed", await o.RunStateAsync("mapping", run.RunId));
        var tis = await o.TasksAsync("mapping", run.RunId);
        Assert.Equal(("success", "failed", "success"), (tis["size[0]"].State.ToWireName(), tis["size[1]"].State.ToWireName(), tis["size[2]"].State.ToWireName()));
        Assert.False(tis.ContainsKey("size"));
        Assert.Equal("upstream_failed", tis["total"].State.ToWireName());
        Assert.Equal(6, tis.Keys.Count(k => k.StartsWith("pair[", StringComparison.Ordinal)));
        Assert.Equal(("skipped", "skipped"), (tis["never"].State.ToWireName(), tis["after_never"].State.ToWireName()));
        Assert.Contains("instance 2 measures ccc", o.ReadLog("mapping", run.RunId, "size", 2, 1));
        Assert.Equal(3, tis.Keys.Count(k => k.StartsWith("wc[", StringComparison.Ordinal) && tis[k].State == TaskInstanceState.Success));
        Assert.Contains($"bb-wc-{run.RunId[8..18]}", o.ReadLog("mapping", run.RunId, "wc", 1, 1));
        Assert.Equal($"\"ccc-wc-{run.RunId[8..18]}\"", await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new Core.Runtime.XComKey("mapping", run.RunId, "wc", 2, Core.Runtime.XComKey.ReturnValue)));

        // Clear only the failed instance (and downstream): it runs again alone, and total gets all three results.
        await File.WriteAllTextAsync(marker, "");
        using var output = new StringWriter();
        var exit = await Updraft.Cli.UpdraftCli.RunAsync(
            ["tasks", "clear", "mapping", "--only-failed", "--downstream", "-y"],
            new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, TextWriter.Null, TimeProvider.System));
        Assert.Equal((0, "Cleared 2 task instance(s).\n"), (exit, output.ToString()));
        await o.RunToCompletionAsync(engine, executor);

        tis = await o.TasksAsync("mapping", run.RunId);
        Assert.Equal("success", await o.RunStateAsync("mapping", run.RunId));
        Assert.Equal((1, 2, 1), (tis["size[0]"].TryNumber, tis["size[1]"].TryNumber, tis["size[2]"].TryNumber));
        Assert.Contains("total=6 of 3", o.ReadLog("mapping", run.RunId, "total", -1, 1));
    }

    [Fact]
    public async Task MappedTaskGroup_EachInstanceFollowsItsOwnUpstreamInstance_ACollectedResultFlowsOut_AndAFailedInstanceClearsAlone()
    {
        await using var o = await NewAsync();
        var marker = Path.Combine(o.Home, "fixed");
        o.WriteDag("group_map.cs", Orchestra.DagSource("group_map", $$$"""
            var files = dag.Task("list_files", ctx => new[] { "a", "bb", "ccc" });
            ITaskResult<int[]>? loaded = null;
            dag.MapGroup("per_file", files, (g, file) =>
            {
                var rows = dag.Task("extract", file, (TaskContext ctx, string f) =>
                {
                    if (f == "bb" && !File.Exists(@"{{{marker}}}")) throw new InvalidOperationException("bb is not ready");
                    ctx.Log.Info($"instance {ctx.MapIndex} extracts {f}");
                    return f.Length;
                });
                var load = dag.Task("load", file, rows, (TaskContext ctx, string f, int n) => { ctx.Log.Info($"instance {ctx.MapIndex} loads {n} of {f}"); return n * 10; });
                dag.Empty("done").Then(dag.Bash("mark", "echo mark {{ ti.map_index }}"));
                loaded = g.Collect(load);
            });
            dag.Task("report", loaded!, (TaskContext ctx, int[] all) => { ctx.Log.Info($"loaded {string.Join(",", all)}"); });
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("group_map");

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("failed", await o.RunStateAsync("group_map", run.RunId));
        var tis = await o.TasksAsync("group_map", run.RunId);
        string States(string task) => string.Join(",", Enumerable.Range(0, 3).Select(i => tis[$"{task}[{i}]"].State.ToWireName()));
        Assert.Equal("success,failed,success", States("per_file.extract"));
        Assert.Equal("success,upstream_failed,success", States("per_file.load"));
        Assert.Equal("success,success,success", States("per_file.done"));
        Assert.Equal("success,success,success", States("per_file.mark"));
        Assert.Equal("upstream_failed", tis["report"].State.ToWireName());
        Assert.Contains("instance 2 loads 3 of ccc", o.ReadLog("group_map", run.RunId, "per_file.load", 2, 1));
        Assert.Contains("mark 1", o.ReadLog("group_map", run.RunId, "per_file.mark", 1, 1));

        await File.WriteAllTextAsync(marker, "");
        using var output = new StringWriter();
        var exit = await Updraft.Cli.UpdraftCli.RunAsync(
            ["tasks", "clear", "group_map", "--only-failed", "--downstream", "-y"],
            new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, TextWriter.Null, TimeProvider.System));
        Assert.Equal(0, exit);
        await o.RunToCompletionAsync(engine, executor);

        tis = await o.TasksAsync("group_map", run.RunId);
        Assert.Equal("success", await o.RunStateAsync("group_map", run.RunId));
        Assert.Equal((1, 2, 1), (tis["per_file.extract[0]"].TryNumber, tis["per_file.extract[1]"].TryNumber, tis["per_file.extract[2]"].TryNumber));
        Assert.Contains("instance 1 loads 2 of bb", o.ReadLog("group_map", run.RunId, "per_file.load", 1, tis["per_file.load[1]"].TryNumber));
        Assert.Contains("loaded 10,20,30", o.ReadLog("group_map", run.RunId, "report", -1, tis["report"].TryNumber));
    }

    [Fact]
    public async Task Mapping_PastMaxMapLength_FailsTheProducerWithTheLimitInItsLog()
    {
        await using var o = await NewAsync(new() { ["UPDRAFT__CORE__MAX_MAP_LENGTH"] = "3" });
        o.WriteDag("long.cs", Orchestra.DagSource("long", """
            var many = dag.Task("many", _ => Enumerable.Range(0, 5).ToArray());
            dag.Map("each", many, (int n) => n);
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("long");

        await o.RunToCompletionAsync(engine, executor);

        var tis = await o.TasksAsync("long", run.RunId);
        Assert.Equal(("failed", "upstream_failed"), (tis["many"].State.ToWireName(), tis["each"].State.ToWireName()));
        Assert.Contains("Task 'many' returned more than 3 items to map over, past [core] max_map_length (3).", o.ReadLog("long", run.RunId, "many", 1));
    }

    [Fact]
    public async Task SqlOperator_InWorkerProcesses_UsesAConnectionFromTheDatabase_AndFailsOnASqlError()
    {
        await using var o = await NewAsync();
        var file = Path.Combine(o.Home, "warehouse.db");
        using var output = new StringWriter();
        var added = await Updraft.Cli.UpdraftCli.RunAsync(
            ["connections", "add", "warehouse", "--conn-uri", "sqlite:////" + file.TrimStart('/')],
            new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, output, TimeProvider.System));
        Assert.True(added == 0, output.ToString());
        o.WriteDag("sql.cs", Orchestra.DagSource("sql", """
            dag.Sql("create", "CREATE TABLE runs (ds TEXT); INSERT INTO runs VALUES ('{{ ds }}')", "warehouse").With(t => t.SplitStatements = true)
                .Then(dag.Sql("count", "SELECT COUNT(*) FROM runs", "warehouse"))
                .Then(dag.Sql("broken", "SELECT missing_column FROM runs", "warehouse"));
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("sql");

        await o.RunToCompletionAsync(engine, executor);

        var tis = await o.TasksAsync("sql", run.RunId);
        Assert.Equal(("success", "success", "failed"), (tis["create"].State.ToWireName(), tis["count"].State.ToWireName(), tis["broken"].State.ToWireName()));
        var xcom = await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new Core.Runtime.XComKey("sql", run.RunId, "count", -1, Core.Runtime.XComKey.ReturnValue));
        Assert.Equal("[[1]]", xcom);
        Assert.Contains("SQL error: SQLite Error 1: 'no such column: missing_column'.", o.ReadLog("sql", run.RunId, "broken", 1));
    }

    [Fact]
    public async Task Callbacks_InWorkerProcesses_RunAfterTheStateIsKept_AThrowingOneChangesNothing_AndANotifierSendsRealMail()
    {
        await using var o = await NewAsync();
        using var smtp = new SmtpTestServer();
        using var output = new StringWriter();
        var added = await Updraft.Cli.UpdraftCli.RunAsync(
            ["connections", "add", "smtp_default", "--conn-uri", smtp.ConnectionUri()],
            new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, output, TimeProvider.System));
        Assert.True(added == 0, output.ToString());
        o.WriteDag("cb.cs", Orchestra.DagSource("cb", """
            dag.Task("flaky", ctx => { if (ctx.TryNumber == 1) throw new InvalidOperationException("first try fails"); }).With(t =>
            {
                t.Retries = 1;
                t.RetryDelay = TimeSpan.Zero;
                t.OnExecute.Add(c => c.Log.Info($"execute callback, try {c.TaskInstance!.TryNumber}"));
                t.OnRetry.Add(c => c.Log.Info($"retry callback: {c.State!.Value.ToWireName()} because {c.Reason}"));
                t.OnSuccess.Add(_ => throw new InvalidOperationException("success callback broke"));
                t.OnSuccess.Add(c => c.Log.Info("second success callback ran"));
            }).Then(dag.Task("broken", _ => throw new InvalidOperationException("no luck"))).With(t =>
                t.OnFailure.Add(new EmailNotifier("ops@example.com") { HtmlContent = "{{ ti.task_id }}: {{ reason }}" }));
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("cb");

        await o.RunToCompletionAsync(engine, executor);

        var tis = await o.TasksAsync("cb", run.RunId);
        Assert.Equal(("success", "failed"), (tis["flaky"].State.ToWireName(), tis["broken"].State.ToWireName()));

        // Callbacks run after the state is kept, so the run can be over before a worker's callbacks are: wait for
        // each one's last line (or the mail) before reading the logs.
        async Task<string> LogOnceAsync(string taskId, int attempt, string last)
        {
            var text = o.ReadLog("cb", run.RunId, taskId, attempt);
            for (var waited = 0; !text.Contains(last, StringComparison.Ordinal) && waited < 150; waited++)
            {
                await Task.Delay(100);
                text = o.ReadLog("cb", run.RunId, taskId, attempt);
            }

            return text;
        }

        var first = await LogOnceAsync("flaky", 1, "retry callback:");
        Assert.Contains("execute callback, try 1", first);
        Assert.Contains("retry callback: up_for_retry because InvalidOperationException: first try fails", first);
        var second = await LogOnceAsync("flaky", 2, "second success callback ran");
        Assert.Contains("execute callback, try 2", second);
        Assert.Contains("Error when executing on_success_callback (callback): InvalidOperationException: success callback broke", second);
        Assert.Contains("second success callback ran", second);
        Assert.Contains("Sending email to ops@example.com", await LogOnceAsync("broken", 1, "Sending email to ops@example.com"));
        var messages = smtp.Messages();
        for (var waited = 0; messages.Count == 0 && waited < 150; waited++)
        {
            await Task.Delay(100);
            messages = smtp.Messages();
        }

        Assert.True(messages.Count == 1, o.ReadLog("cb", run.RunId, "broken", 1));
        var mail = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(messages[0])));
        Assert.Equal("DAG cb - Task broken - Run ID " + run.RunId + " in State failed", mail.Subject);
        Assert.Equal("broken: InvalidOperationException: no luck", mail.HtmlBody?.TrimEnd());
    }

    [Fact]
    public async Task EverydayAuthoring_InWorkerProcesses_SetupTeardownLatestOnlyHttpAndEmail()
    {
        await using var o = await NewAsync();
        using var smtp = new SmtpTestServer();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var api = builder.Build();
        var posted = new System.Collections.Concurrent.ConcurrentQueue<string>();
        api.MapGet("/status", () => Results.Json(new { ready = true, version = "7.1" }));
        api.MapPost("/reports", async (HttpContext http) =>
        {
            posted.Enqueue(await new StreamReader(http.Request.Body).ReadToEndAsync());
            return "stored";
        });
        api.MapGet("/broken", () => Results.StatusCode(503));
        await api.StartAsync();
        using var output = new StringWriter();
        var environment = new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, output, TimeProvider.System);
        Assert.Equal(0, await Updraft.Cli.UpdraftCli.RunAsync(["connections", "add", "http_default", "--conn-uri", api.Urls.First()], environment));
        Assert.Equal(0, await Updraft.Cli.UpdraftCli.RunAsync(["connections", "add", "smtp_default", "--conn-uri", smtp.ConnectionUri()], environment));

        o.WriteDag("cluster.cs", Orchestra.DagSource("cluster", """
            var create = dag.Bash("create", "echo creating");
            var work = dag.Task("work", ctx => { throw new InvalidOperationException("query failed"); });
            var delete = dag.Bash("delete", "echo deleting").AsTeardown(create);
            create.Then(work).Then(delete);
            """));
        o.WriteDag("flaky_teardown.cs", Orchestra.DagSource("flaky_teardown", """
            var create = dag.Bash("create", "echo creating");
            var delete = dag.Bash("delete", "exit 3").AsTeardown(create);
            create.Then(dag.Bash("work", "echo working")).Then(delete);
            """));
        o.WriteDag("reporting.cs", Orchestra.DagSource("reporting", """
            var latest = dag.LatestOnly("latest_only");
            var status = dag.Http("status", "status", method: "GET").With(t =>
            {
                t.ResponseCheck = r => r.Json()?["ready"]?.GetValue<bool>() == true;
                t.ResponseFilter = r => r.Json()?["version"]?.GetValue<string>();
            });
            var post = dag.Http("post", "reports").With(t => t.Data = "{\"day\": \"{{ ds }}\"}");
            var mail = dag.Email("mail", to: "team@example.com", subject: "Report of {{ ds }}", htmlContent: "stored for {{ ds }}");
            latest.Then(status).Then(post).Then(mail);
            dag.Http("broken", "broken", method: "GET");
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var cluster = await o.TriggerAsync("cluster");
        var flaky = await o.TriggerAsync("flaky_teardown");
        var reporting = await o.TriggerAsync("reporting");

        await o.RunToCompletionAsync(engine, executor);

        // The teardown runs after the work failed; the run fails for the work, not for a failing teardown.
        var tis = await o.TasksAsync("cluster", cluster.RunId);
        Assert.Equal(("success", "failed", "success"), (tis["create"].State.ToWireName(), tis["work"].State.ToWireName(), tis["delete"].State.ToWireName()));
        Assert.Equal("failed", await o.RunStateAsync("cluster", cluster.RunId));
        Assert.Equal("failed", (await o.TasksAsync("flaky_teardown", flaky.RunId))["delete"].State.ToWireName());
        Assert.Equal("success", await o.RunStateAsync("flaky_teardown", flaky.RunId));

        // A manual run goes past latest-only; HTTP results and the mail go through workers with the stored connections.
        tis = await o.TasksAsync("reporting", reporting.RunId);
        Assert.Equal("success", tis["latest_only"].State.ToWireName());
        Assert.Equal("\"7.1\"", await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new Core.Runtime.XComKey("reporting", reporting.RunId, "status", -1, Core.Runtime.XComKey.ReturnValue)));
        Assert.Equal($"{{\"day\": \"{reporting.RunId[8..18]}\"}}", Assert.Single(posted));
        var mail = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Assert.Single(smtp.Messages()))));
        Assert.Equal($"Report of {reporting.RunId[8..18]}", mail.Subject);
        Assert.Equal("failed", tis["broken"].State.ToWireName());
        Assert.Contains("503", o.ReadLog("reporting", reporting.RunId, "broken", tis["broken"].TryNumber));
    }

    [Fact]
    public async Task Sensors_RescheduleModeFreesTheOnlySlot_ForTasksThatRunMeanwhile_PokeModeAndTimeoutInAWorker()
    {
        await using var o = await NewAsync();
        var marker = Path.Combine(o.Home, "landed.csv");
        var counter = Path.Combine(o.Home, "pokes");
        o.WriteDag("waiting.cs", Orchestra.DagSource("waiting", $$$"""
            var landed = dag.FileSensor("landed", @"{{{marker}}}").With(s =>
            {
                s.Mode = SensorMode.Reschedule;
                s.PokeInterval = TimeSpan.FromMilliseconds(300);
                s.PriorityWeight = 100;
            });
            landed.Then(dag.Bash("after", "echo after"));
            for (var i = 0; i < 3; i++)
            {
                dag.Bash($"work_{i}", "echo work");
            }
            """));
        o.WriteDag("poking.cs", Orchestra.DagSource("poking", $$$"""
            var count = dag.Sensor("count", ctx =>
            {
                File.AppendAllText(@"{{{counter}}}", "x");
                var n = File.ReadAllText(@"{{{counter}}}").Length;
                return n < 3 ? new PokeResult<int>(false) : new PokeResult<int>(true, n);
            }).With(s => s.PokeInterval = TimeSpan.FromMilliseconds(100));
            dag.Task("use", count, (TaskContext ctx, int n) => ctx.Log.Info($"ready after {n} pokes"));
            dag.Sensor("never", _ => false).With(s =>
            {
                s.PokeInterval = TimeSpan.FromMilliseconds(100);
                s.Timeout = TimeSpan.FromMilliseconds(300);
                s.SoftFail = true;
            });
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler(parallelism: 1);
        var waiting = await o.TriggerAsync("waiting");
        var poking = await o.TriggerAsync("poking");

        // The file lands only once the other tasks have run: with one slot, a sensor holding it would wait forever.
        await o.RunToCompletionAsync(engine, executor, TimeSpan.FromSeconds(120), afterPass: async () =>
        {
            var tis = await o.TasksAsync("waiting", waiting.RunId);
            if (!File.Exists(marker) && Enumerable.Range(0, 3).All(i => tis[$"work_{i}"].State == TaskInstanceState.Success))
            {
                await File.WriteAllTextAsync(marker, "id\n");
            }
        });

        var tis = await o.TasksAsync("waiting", waiting.RunId);
        Assert.Equal("success", await o.RunStateAsync("waiting", waiting.RunId));
        Assert.Equal((TaskInstanceState.Success, 1), (tis["landed"].State, tis["landed"].TryNumber));
        Assert.All(Enumerable.Range(0, 3), i => Assert.True(tis[$"work_{i}"].EndDate < tis["landed"].EndDate));
        var reschedules = await new TaskInstanceStore(o.Database).ReschedulesAsync(new TaskInstanceKey("waiting", waiting.RunId, "landed"), 1);
        Assert.NotEmpty(reschedules);
        Assert.All(reschedules, r => Assert.True(r.RescheduleDate > r.EndDate));
        var log = o.ReadLog("waiting", waiting.RunId, "landed", 1);
        Assert.True(System.Text.RegularExpressions.Regex.Count(log, "Poking for file") >= 2, log);
        Assert.Contains("Marking the task as UP_FOR_RESCHEDULE", log);
        // Every poke that gave the slot back is in the history (recorded before the try ended).
        Assert.Equal(System.Text.RegularExpressions.Regex.Count(log, "Marking the task as UP_FOR_RESCHEDULE"), reschedules.Count);

        var poked = await o.TasksAsync("poking", poking.RunId);
        Assert.Equal((TaskInstanceState.Success, 1), (poked["count"].State, poked["count"].TryNumber));
        Assert.Contains("ready after 3 pokes", o.ReadLog("poking", poking.RunId, "use", 1));
        Assert.Equal(TaskInstanceState.Skipped, poked["never"].State);
        Assert.Contains("Sensor has timed out", o.ReadLog("poking", poking.RunId, "never", 1));
    }

    [Fact]
    public async Task RescheduleSensor_TimeoutCountedFromTheFirstTry_FailsWithoutRetryOrSoftFailSkips_ThoughEachPokeIsShort()
    {
        await using var o = await NewAsync();
        o.WriteDag("patient.cs", Orchestra.DagSource("patient", """
            foreach (var (id, soft) in new[] { ("never", false), ("never_soft", true) })
            {
                dag.Sensor(id, _ => false).With(s =>
                {
                    s.Mode = SensorMode.Reschedule;
                    s.PokeInterval = TimeSpan.FromMilliseconds(100);
                    s.Timeout = TimeSpan.FromSeconds(3);
                    s.SoftFail = soft;
                    s.Retries = 2;
                    s.RetryDelay = TimeSpan.Zero;
                });
            }
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("patient");

        // Counted from each run of the sensor instead, a 100 ms pause would never reach the timeout and the run never end.
        await o.RunToCompletionAsync(engine, executor, TimeSpan.FromSeconds(120));

        var tis = await o.TasksAsync("patient", run.RunId);
        Assert.Equal((TaskInstanceState.Failed, 1), (tis["never"].State, tis["never"].TryNumber));
        Assert.Equal((TaskInstanceState.Skipped, 1), (tis["never_soft"].State, tis["never_soft"].TryNumber));
        Assert.Equal("failed", await o.RunStateAsync("patient", run.RunId));
        var tasks = new TaskInstanceStore(o.Database);
        foreach (var id in (string[])["never", "never_soft"])
        {
            var log = o.ReadLog("patient", run.RunId, id, 1);
            var reschedules = await tasks.ReschedulesAsync(new TaskInstanceKey("patient", run.RunId, id), 1);
            Assert.NotEmpty(reschedules);
            Assert.Equal(System.Text.RegularExpressions.Regex.Count(log, "Marking the task as UP_FOR_RESCHEDULE"), reschedules.Count);
            Assert.Matches(@"Sensor has timed out; run duration of [\d.]+ seconds exceeds the specified timeout of 3\.", log);
        }

        Assert.Contains("Skipping (soft fail).", o.ReadLog("patient", run.RunId, "never_soft", 1));
        Assert.Empty(await tasks.ReschedulesAsync(new TaskInstanceKey("patient", run.RunId, "never"), 2));
    }

    [Fact]
    public async Task RescheduleSensor_WithExponentialBackoff_RecordsLongerWaitsFromPokeToPoke()
    {
        await using var o = await NewAsync();
        var counter = Path.Combine(o.Home, "pokes");
        o.WriteDag("backoff.cs", Orchestra.DagSource("backoff", $$$"""
            dag.Sensor("grows", _ =>
            {
                File.AppendAllText(@"{{{counter}}}", "x");
                return File.ReadAllText(@"{{{counter}}}").Length >= 5;
            }).With(s =>
            {
                s.Mode = SensorMode.Reschedule;
                s.PokeInterval = TimeSpan.FromSeconds(1);
                s.ExponentialBackoff = true;
            });
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("backoff");

        await o.RunToCompletionAsync(engine, executor, TimeSpan.FromSeconds(120));

        Assert.Equal("success", await o.RunStateAsync("backoff", run.RunId));
        var reschedules = await new TaskInstanceStore(o.Database).ReschedulesAsync(new TaskInstanceKey("backoff", run.RunId, "grows"), 1);
        Assert.Equal(4, reschedules.Count);
        // The wait each poke asked for, as recorded: 1 s, 1 s, then 2–3 s, then 4–7 s (Airflow's doubling with jitter).
        var waits = reschedules.Select(r => r.RescheduleDate - r.EndDate).ToList();
        Assert.True(waits[2] > waits[1] && waits[3] > waits[2] && waits[3] >= 2 * waits[0], string.Join(", ", waits));
        Assert.All(reschedules.Zip(reschedules.Skip(1)), p => Assert.True(p.Second.RescheduleDate > p.First.RescheduleDate));
    }

    [Fact]
    public async Task TimeSensors_InWorkerProcesses_WaitForTheirTarget_AndTimeOutWhenItIsFar()
    {
        await using var o = await NewAsync();
        o.WriteDag("timely.cs", Orchestra.DagSource("timely", """
            dag.TimeDeltaSensor("delta", TimeSpan.FromSeconds(2)).With(s => { s.Mode = SensorMode.Reschedule; s.PokeInterval = TimeSpan.FromMilliseconds(200); });
            dag.DateTimeSensor("at", "{{ data_interval_end }}").With(s => s.PokeInterval = TimeSpan.FromMilliseconds(200));
            dag.TimeDeltaSensor("delta_far", TimeSpan.FromHours(1)).With(s => { s.PokeInterval = TimeSpan.FromMilliseconds(200); s.Timeout = TimeSpan.FromSeconds(1); s.SoftFail = true; });
            dag.DateTimeSensor("at_far", "2999-01-01T00:00:00Z").With(s => { s.PokeInterval = TimeSpan.FromMilliseconds(200); s.Timeout = TimeSpan.FromSeconds(1); s.Retries = 0; });
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("timely");

        await o.RunToCompletionAsync(engine, executor);

        var tis = await o.TasksAsync("timely", run.RunId);
        Assert.Equal(
            (TaskInstanceState.Success, TaskInstanceState.Success, TaskInstanceState.Skipped, TaskInstanceState.Failed),
            (tis["delta"].State, tis["at"].State, tis["delta_far"].State, tis["at_far"].State));
        var end = Micros.To(run.DataIntervalEnd);
        var target = end + TimeSpan.FromSeconds(2);
        Assert.True(Micros.To(tis["delta"].EndDate!.Value) > target, "the time-delta sensor succeeded before its target");
        var xcoms = new DatabaseXComStore(o.Database, TimeProvider.System);
        Assert.Equal(Core.Runtime.Iso.Format(target), System.Text.Json.Nodes.JsonNode.Parse((await xcoms.GetAsync(new("timely", run.RunId, "delta", -1, "return_value")))!)!.GetValue<string>());
        Assert.Equal(Core.Runtime.Iso.Format(end), System.Text.Json.Nodes.JsonNode.Parse((await xcoms.GetAsync(new("timely", run.RunId, "at", -1, "return_value")))!)!.GetValue<string>());
        Assert.Contains("Sensor has timed out", o.ReadLog("timely", run.RunId, "delta_far", 1));
        Assert.Contains("Checking if the time (", o.ReadLog("timely", run.RunId, "at_far", 1));
        Assert.Contains("has come (2999-01-01T00:00:00+00:00)", o.ReadLog("timely", run.RunId, "at_far", 1));
        Assert.Contains("Sensor has timed out", o.ReadLog("timely", run.RunId, "at_far", 1));
    }

    [Fact]
    public async Task SqlSensor_InWorkerProcesses_WaitsUntilItsQueryOnASqliteConnectionReturnsATruthyRow()
    {
        await using var o = await NewAsync();
        var file = Path.Combine(o.Home, "signals.db");
        var sqlite = $"Data Source={file};Pooling=False";
        await using (var setup = new Microsoft.Data.Sqlite.SqliteConnection(sqlite))
        {
            await setup.OpenAsync();
            await setup.ExecuteAsync("CREATE TABLE signals (ready INTEGER, label TEXT); INSERT INTO signals VALUES (0, 'go')");
        }

        using var output = new StringWriter();
        var added = await Updraft.Cli.UpdraftCli.RunAsync(
            ["connections", "add", "signals", "--conn-uri", "sqlite:////" + file.TrimStart('/')],
            new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, output, TimeProvider.System));
        Assert.True(added == 0, output.ToString());
        o.WriteDag("signalled.cs", Orchestra.DagSource("signalled", """
            dag.SqlSensor("ready", "SELECT ready, label FROM signals", "signals").With(s => { s.Mode = SensorMode.Reschedule; s.PokeInterval = TimeSpan.FromMilliseconds(200); })
                .Then(dag.Bash("after", "echo after"));
            dag.SqlSensor("broken", "SELECT missing FROM signals", "signals").With(s => s.Retries = 0);
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("signalled");
        var key = new TaskInstanceKey("signalled", run.RunId, "ready");
        var tasks = new TaskInstanceStore(o.Database);

        // The row turns truthy only after the sensor has found it falsy once.
        var flipped = false;
        await o.RunToCompletionAsync(engine, executor, afterPass: async () =>
        {
            if (!flipped && (await tasks.ReschedulesAsync(key, 1)).Count > 0)
            {
                flipped = true;
                await using var connection = new Microsoft.Data.Sqlite.SqliteConnection(sqlite);
                await connection.ExecuteAsync("UPDATE signals SET ready = 1");
            }
        });

        Assert.True(flipped);
        var tis = await o.TasksAsync("signalled", run.RunId);
        Assert.Equal((TaskInstanceState.Success, TaskInstanceState.Success, TaskInstanceState.Failed), (tis["ready"].State, tis["after"].State, tis["broken"].State));
        var log = o.ReadLog("signalled", run.RunId, "ready", 1);
        Assert.Contains("First value 0: not yet.", log);
        Assert.Contains("First value 1: done.", log);
        Assert.Contains("go", await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("signalled", run.RunId, "ready", -1, "return_value")));
        Assert.Contains("SQL error", o.ReadLog("signalled", run.RunId, "broken", 1));
    }

    [Fact]
    public async Task HttpSensor_InWorkerProcesses_PokesALocalServerUntilItsCheckPasses_AndFailsOnAnErrorStatus()
    {
        await using var o = await NewAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var api = builder.Build();
        var asked = 0;
        api.MapGet("/ready", () => Interlocked.Increment(ref asked) switch
        {
            1 => Results.NotFound(),
            2 => Results.Json(new { ready = false }),
            _ => Results.Json(new { ready = true, version = "7.2" }),
        });
        api.MapGet("/broken", () => Results.StatusCode(503));
        await api.StartAsync();
        using var output = new StringWriter();
        var environment = new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, output, TimeProvider.System);
        Assert.Equal(0, await Updraft.Cli.UpdraftCli.RunAsync(["connections", "add", "http_default", "--conn-uri", api.Urls.First()], environment));
        o.WriteDag("polled.cs", Orchestra.DagSource("polled", """
            dag.HttpSensor("ready", "ready").With(s =>
            {
                s.PokeInterval = TimeSpan.FromMilliseconds(100);
                s.ResponseCheck = r => r.Json()!["ready"]!.GetValue<bool>();
                s.ResponseFilter = r => r.Json()!["version"]!.GetValue<string>();
            });
            dag.HttpSensor("broken", "broken").With(s => s.Retries = 0);
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("polled");

        await o.RunToCompletionAsync(engine, executor);

        var tis = await o.TasksAsync("polled", run.RunId);
        Assert.Equal((TaskInstanceState.Success, 1, TaskInstanceState.Failed), (tis["ready"].State, tis["ready"].TryNumber, tis["broken"].State));
        Assert.Equal(3, Volatile.Read(ref asked));
        Assert.Equal("\"7.2\"", await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("polled", run.RunId, "ready", -1, "return_value")));
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Count(o.ReadLog("polled", run.RunId, "ready", 1), "Poking: GET ready"));
        Assert.Contains("503", o.ReadLog("polled", run.RunId, "broken", 1));
    }

    [Fact]
    public async Task Deadline_AfterTheLogicalDate_IsMissedByARunWhoseLogicalDateIsLongPast_NotByARecentOne()
    {
        await using var o = await NewAsync();
        o.WriteDag("dated.cs", Orchestra.DagSource("dated", """
            dag.Task("work", async ctx => await Task.Delay(1000, ctx.CancellationToken));
            """, """
            Deadline = new DeadlineAlert(DeadlineReference.DagRunLogicalDate, TimeSpan.FromHours(1), new CallbackList
            {
                c => c.Log.Info($"deadline missed by {c.RunId}: {c.Reason}"),
            }),
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var now = TimeProvider.System.GetUtcNow();
        async Task<DagRunRecord> TriggerAsync(DateTimeOffset logicalDate) => await Updraft.Scheduling.Operations.DagRunService.CreateManualRunAsync(
            new DagStore(o.Database), new DagRunStore(o.Database), new("dated") { LogicalDate = logicalDate }, now);
        // Both queued now: only the logical date tells them apart.
        var overdue = await TriggerAsync(now - TimeSpan.FromHours(2));
        var recent = await TriggerAsync(now - TimeSpan.FromMinutes(1));

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("success", await o.RunStateAsync("dated", overdue.RunId));
        Assert.Equal("success", await o.RunStateAsync("dated", recent.RunId));
        await using (var connection = await o.Database.OpenAsync())
        {
            var requests = await connection.QueryAsync<(string RunId, string Event)>("SELECT run_id, event FROM callback_request");
            Assert.Equal([(overdue.RunId, "deadline_missed")], requests);
            Assert.Null(await connection.ExecuteScalarAsync<long?>("SELECT deadline_missed_at FROM dag_run WHERE run_id = @RunId", new { recent.RunId }));
        }

        var runner = o.Context.NewDagCallbackRunner(o.Database, Microsoft.Extensions.Logging.Abstractions.NullLogger<Processing.DagCallbackRunner>.Instance);
        Assert.Equal(1, await runner.RunPendingAsync());
        var log = await File.ReadAllTextAsync(Processing.DagCallbackRunner.LogPath(o.LogFolder, "dated", overdue.RunId));
        Assert.Contains($"deadline missed by {overdue.RunId}: deadline dagrun_logical_date + ", log);
    }

    [Fact]
    public async Task DagCallbacks_RunByTheDagProcessorInAChildProcess_WithConnectionsAndVariablesFromTheParent_AndChangeNoState()
    {
        await using var o = await NewAsync();
        using var smtp = new SmtpTestServer();
        using var output = new StringWriter();
        var environment = new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, output, TimeProvider.System);
        Assert.Equal(0, await Updraft.Cli.UpdraftCli.RunAsync(["connections", "add", "smtp_default", "--conn-uri", smtp.ConnectionUri()], environment));
        Assert.Equal(0, await Updraft.Cli.UpdraftCli.RunAsync(["variables", "set", "team", "data-eng"], environment));
        o.WriteDag("dagcb.cs", Orchestra.DagSource("dagcb", """
            dag.Task("load", _ => throw new InvalidOperationException("table locked"));
            """, """
            OnFailure =
            {
                c => c.Log.Info($"run {c.RunId} {c.RunState!.Value.ToWireName()} because {c.Reason}"),
                _ => throw new InvalidOperationException("first notifier broke"),
                new EmailNotifier("{{ var.value.team }}@example.com") { HtmlContent = "{{ dag.dag_id }} {{ state }} on {{ ds }}" },
            },
            OnSuccess = { c => c.Log.Info("never: the run fails") },
            """));
        o.WriteDag("nocb.cs", Orchestra.DagSource("nocb", "dag.Empty(\"a\");"));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var failed = await o.TriggerAsync("dagcb");
        var plain = await o.TriggerAsync("nocb");

        await o.RunToCompletionAsync(engine, executor);

        // Only the DAG with callbacks asked for one, and only for how its run ended.
        await using (var connection = await o.Database.OpenAsync())
        {
            var requests = await connection.QueryAsync<(string DagId, string Event)>("SELECT dag_id, event FROM callback_request");
            Assert.Equal([("dagcb", "on_failure_callback")], requests);
        }

        var runner = o.Context.NewDagCallbackRunner(o.Database, Microsoft.Extensions.Logging.Abstractions.NullLogger<Processing.DagCallbackRunner>.Instance);
        Assert.Equal(1, await runner.RunPendingAsync());
        Assert.Equal(0, await runner.RunPendingAsync());

        Assert.Equal("failed", await o.RunStateAsync("dagcb", failed.RunId));
        Assert.Equal("success", await o.RunStateAsync("nocb", plain.RunId));
        var log = await File.ReadAllTextAsync(Processing.DagCallbackRunner.LogPath(o.LogFolder, "dagcb", failed.RunId));
        Assert.Contains($"run {failed.RunId} failed because task_failure", log);
        Assert.Contains("Error when executing on_failure_callback (callback): InvalidOperationException: first notifier broke", log);
        Assert.DoesNotContain("never", log);
        var mail = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Assert.Single(smtp.Messages()))));
        Assert.Equal("data-eng@example.com", mail.To.ToString());
        Assert.Equal($"DAG dagcb - Run ID {failed.RunId} in State failed", mail.Subject);
        Assert.Equal($"dagcb failed on {failed.RunId[8..18]}", mail.HtmlBody?.TrimEnd());
        Assert.False(File.Exists(Processing.DagCallbackRunner.LogPath(o.LogFolder, "nocb", plain.RunId)));
    }

    [Fact]
    public async Task Deadline_MissedByARunStillRunning_AsksForItsCallbackOnce_WhileTheRunGoesOn_APunctualRunAsksNothing()
    {
        await using var o = await NewAsync();
        o.WriteDag("late.cs", Orchestra.DagSource("late", """
            dag.Task("slow", async ctx => await Task.Delay(3000, ctx.CancellationToken));
            """, """
            Deadline = new DeadlineAlert(DeadlineReference.DagRunQueuedAt, TimeSpan.FromSeconds(1), new CallbackList
            {
                c => c.Log.Info($"deadline missed by {c.RunId} ({c.Event}, run state {(c.RunState is null ? "open" : "ended")}): {c.Reason}"),
            }),
            """));
        o.WriteDag("punctual.cs", Orchestra.DagSource("punctual", "dag.Empty(\"a\");", """
            Deadline = new DeadlineAlert(DeadlineReference.DagRunQueuedAt, TimeSpan.FromMinutes(10), new CallbackList { c => c.Log.Info("never") }),
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var late = await o.TriggerAsync("late");
        var punctual = await o.TriggerAsync("punctual");

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("success", await o.RunStateAsync("late", late.RunId));
        Assert.Equal("success", await o.RunStateAsync("punctual", punctual.RunId));
        await using (var connection = await o.Database.OpenAsync())
        {
            var requests = await connection.QueryAsync<(string DagId, string Event)>("SELECT dag_id, event FROM callback_request");
            Assert.Equal([("late", "deadline_missed")], requests);
            var (missedAt, endDate) = await connection.QuerySingleAsync<(long?, long?)>("SELECT deadline_missed_at, end_date FROM dag_run WHERE dag_id = 'late'");
            Assert.True(missedAt < endDate, $"the deadline was recorded at {missedAt}, after the run ended at {endDate}");
            Assert.Null(await connection.ExecuteScalarAsync<long?>("SELECT deadline_missed_at FROM dag_run WHERE dag_id = 'punctual'"));
        }

        var runner = o.Context.NewDagCallbackRunner(o.Database, Microsoft.Extensions.Logging.Abstractions.NullLogger<Processing.DagCallbackRunner>.Instance);
        Assert.Equal(1, await runner.RunPendingAsync());
        var log = await File.ReadAllTextAsync(Processing.DagCallbackRunner.LogPath(o.LogFolder, "late", late.RunId));
        Assert.Contains($"deadline missed by {late.RunId} (deadline_missed, run state open): deadline dagrun_queued_at + 1 s = ", log);
        Assert.False(File.Exists(Processing.DagCallbackRunner.LogPath(o.LogFolder, "punctual", punctual.RunId)));
    }

    [Fact]
    public async Task CrossDag_InWorkerProcesses_TriggerWaitsForTheChildRun_AndAnExternalTaskSensorSeesItsTask()
    {
        await using var o = await NewAsync();
        o.WriteDag("parent.cs", Orchestra.DagSource("parent", """
            dag.TriggerDagRun("fire", "child").With(t =>
            {
                t.TriggerRunId = "from_{{ run_id }}";
                t.Conf = new JsonObject { ["day"] = "{{ ds }}" };
                t.WaitForCompletion = true;
                t.PokeInterval = TimeSpan.FromMilliseconds(200);
            });
            dag.TriggerDagRun("again", "child").With(t => { t.TriggerRunId = "fixed"; t.SkipWhenAlreadyExists = true; });
            """));
        o.WriteDag("child.cs", Orchestra.DagSource("child", """
            dag.Task("work", ctx => ctx.Log.Info($"child got day {ctx.Conf["day"]}"));
            """));
        o.WriteDag("watcher.cs", Orchestra.DagSource("watcher", """
            dag.ExternalTask("wait_work", "child", "work").With(t => t.PokeInterval = TimeSpan.FromMilliseconds(200));
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var dags = new DagStore(o.Database);
        var runs = new DagRunStore(o.Database);
        await Updraft.Scheduling.Operations.DagRunService.CreateManualRunAsync(dags, runs, new("child") { RunId = "fixed", LogicalDate = new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero) }, TimeProvider.System.GetUtcNow());
        var parent = await o.TriggerAsync("parent");

        await o.RunToCompletionAsync(engine, executor);

        var tis = await o.TasksAsync("parent", parent.RunId);
        Assert.Equal(("success", "skipped"), (tis["fire"].State.ToWireName(), tis["again"].State.ToWireName()));
        var child = (await runs.GetAsync("child", "from_" + parent.RunId))!;
        Assert.Equal(DagRunState.Success, child.State);
        Assert.Contains($"child got day {parent.RunId[8..18]}", o.ReadLog("child", child.RunId, "work", 1));
        Assert.Contains($"child finished with allowed state success", o.ReadLog("parent", parent.RunId, "fire", 1));

        // A run of the watcher at the child run's logical date sees its task succeeded.
        var watcher = await Updraft.Scheduling.Operations.DagRunService.CreateManualRunAsync(dags, runs, new("watcher") { LogicalDate = Storage.Database.Micros.To(child.LogicalDate) }, TimeProvider.System.GetUtcNow());
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal("success", (await o.TasksAsync("watcher", watcher.RunId))["wait_work"].State.ToWireName());
        Assert.Contains("Poking for task child.work on", o.ReadLog("watcher", watcher.RunId, "wait_work", 1));
    }

    [Fact]
    public async Task IsolatedTasks_RunInAFreshProcess_WithXComSecretsAndLogThroughTheWorker_AndTheirCrashSparesTheWorker()
    {
        await using var o = await NewAsync(new() { ["UPDRAFT_VAR_REGION"] = "eu", ["UPDRAFT_CONN_DW"] = "postgres://etl:S3cretPw@dw.example.com:5432/dw" });
        o.WriteDag("iso.cs", Orchestra.DagSource("iso", """
            var numbers = dag.Task("numbers", ctx => { ctx.Log.Info($"worker pid {Environment.ProcessId}"); return new[] { 1, 2, 3 }; });
            var sum = dag.Task("sum", numbers, async (TaskContext ctx, int[] n) =>
            {
                var region = await ctx.Variables.GetAsync("region");
                var dw = await ctx.Connections.GetAsync("dw");
                Console.WriteLine($"isolated pid {Environment.ProcessId}, region {region}, host {dw!.Host}, password {dw.Password}");
                await ctx.XCom.PushAsync("extra", "pushed from the fresh process");
                return n.Sum();
            }).With(t => t.Isolated = true);
            dag.Task("report", sum, (TaskContext ctx, int total) => ctx.Log.Info($"total {total}"));
            dag.Task("crash", ctx => { Environment.Exit(3); }).With(t => t.Isolated = true);
            dag.Task("throws", ctx => { throw new InvalidOperationException("bad input in the fresh process"); }).With(t => t.Isolated = true);
            dag.Task("after_crash", ctx => ctx.Log.Info($"still here in pid {Environment.ProcessId}"));
            dag.Task("native", ctx =>
            {
                // As a native library would: straight to the process's standard output, past Console.
                using var raw = Console.OpenStandardOutput();
                raw.Write(System.Text.Encoding.UTF8.GetBytes("native library output\n"));
                raw.Flush();
            }).With(t => t.Isolated = true);
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler(parallelism: 1);
        var run = await o.TriggerAsync("iso");

        await o.RunToCompletionAsync(engine, executor);

        var tis = await o.TasksAsync("iso", run.RunId);
        Assert.Equal(
            ("success", "success", "success", "failed", "failed", "success"),
            (tis["numbers"].State.ToWireName(), tis["sum"].State.ToWireName(), tis["report"].State.ToWireName(), tis["crash"].State.ToWireName(), tis["throws"].State.ToWireName(), tis["after_crash"].State.ToWireName()));
        var sumLog = o.ReadLog("iso", run.RunId, "sum", 1);
        var isolatedPid = System.Text.RegularExpressions.Regex.Match(sumLog, @"isolated pid (\d+), region eu, host dw.example.com, password \*\*\*").Groups[1].Value;
        Assert.False(string.IsNullOrEmpty(isolatedPid), sumLog);
        Assert.NotEqual(tis["sum"].Pid!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture), isolatedPid);
        Assert.DoesNotContain("S3cretPw", sumLog);
        Assert.Contains("total 6", o.ReadLog("iso", run.RunId, "report", 1));
        var xcom = await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new Core.Runtime.XComKey("iso", run.RunId, "sum", -1, "extra"));
        Assert.Equal("\"pushed from the fresh process\"", xcom);
        Assert.Contains("The process running crash stopped: ", o.ReadLog("iso", run.RunId, "crash", 1));
        Assert.Contains("IsolatedTaskException: InvalidOperationException: bad input in the fresh process", o.ReadLog("iso", run.RunId, "throws", 1));

        Assert.Equal("success", tis["native"].State.ToWireName());
        Assert.Contains("native library output", o.ReadLog("iso", run.RunId, "native", 1));

        // One worker slot: the worker that ran the crashing task's try went on to the next one.
        Assert.Equal(tis["crash"].Pid, tis["after_crash"].Pid);
    }

    [Fact]
    public async Task Trigger_ConfValidatedAgainstParams()
    {
        await using var o = await NewAsync();
        o.WriteDag("params.cs", Orchestra.DagSource("params", "dag.Empty(\"a\");", "Params = { [\"n\"] = new Param(1) { Maximum = 5 } }"));
        await o.ProcessAsync();
        var error = await Assert.ThrowsAsync<Core.Dags.ParamValidationException>(() => o.TriggerAsync("params", conf: new() { ["n"] = 50 }));
        Assert.Contains("50 is greater than the maximum of 5", error.Message);
        Assert.Empty(await new DagRunStore(o.Database).ListAsync("params"));
    }
}

public sealed class SqliteSchedulerTests : SchedulerTests
{
    protected override string? DatabaseUri() => null;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresSchedulerTests(PostgresServer server) : SchedulerTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}

[Collection(MariaDbCollection.Name)]
public sealed class MariaDbSchedulerTests(MariaDbServer server) : SchedulerTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}
