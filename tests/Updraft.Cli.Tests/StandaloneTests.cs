using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Updraft.Cli.Tests;

/// <summary>Updraft as a user runs it: `updraft standalone` as a process, then the CLI against it.</summary>
public sealed class StandaloneTests : IDisposable
{
    private readonly string _home = Directory.CreateTempSubdirectory("updraft-standalone-").FullName;
    private readonly string _updraft = Path.Combine(AppContext.BaseDirectory, "updraft.dll");

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private ProcessStartInfo Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(_updraft);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["UPDRAFT_HOME"] = _home;

        // Tests run side by side: each API server takes a free port.
        start.Environment["UPDRAFT__API__PORT"] = "0";
        return start;
    }

    private async Task<(int Exit, string Out, string Error)> RunAsync(params string[] args)
    {
        using var process = Process.Start(Start(args))!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await output, await error);
    }

    [Fact]
    public async Task Standalone_UnpauseAndTrigger_RunSucceedsWithLogsOnDisk()
    {
        using var standalone = Process.Start(Start("standalone"))!;
        var stderr = standalone.StandardError.ReadToEndAsync();
        try
        {
            // Wait for the process to say it is up: it has created the home, database and admin account by then.
            string? line;
            var banner = new List<string>();
            while ((line = await standalone.StandardOutput.ReadLineAsync()) is not null && !line.Contains("is running", StringComparison.Ordinal))
            {
                banner.Add(line);
            }

            Assert.NotNull(line);
            Assert.Contains(banner, l => l.StartsWith("Created the admin account. Login with username: admin  password: ", StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(_home, "standalone_admin_password.txt")));
            var listening = Assert.Single(banner, l => l.StartsWith("API server listening on http://127.0.0.1:", StringComparison.Ordinal));
            using (var http = new HttpClient())
            {
                var health = await http.GetStringAsync(new Uri(new Uri(listening.Split(' ')[4]), "execution/health"));
                Assert.Equal("{\"status\":\"healthy\"}", health);
            }

            var second = await RunAsync("standalone");
            Assert.Equal(1, second.Exit);
            Assert.Contains("A scheduler is already running on this SQLite database", second.Error);

            Assert.Equal(0, (await RunAsync("dags", "unpause", "tutorial")).Exit);
            var trigger = await RunAsync("dags", "trigger", "tutorial", "-r", "manual_e2e", "-o", "json");
            Assert.Equal(0, trigger.Exit);
            Assert.Equal("queued", JsonNode.Parse(trigger.Out)![0]!["state"]!.GetValue<string>());

            var state = "";
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while (state != "success" && state != "failed")
            {
                var (_, stateOut, _) = await RunAsync("dags", "state", "tutorial", "manual_e2e");
                state = stateOut.Trim();
                limit.Token.ThrowIfCancellationRequested();
            }

            Assert.Equal("success", state);
            var runs = JsonNode.Parse((await RunAsync("dags", "list-runs", "tutorial", "-o", "json")).Out)!.AsArray();
            Assert.Contains(runs, r => r!["run_id"]!.GetValue<string>() == "manual_e2e" && r["state"]!.GetValue<string>() == "success");
            var tasks = JsonNode.Parse((await RunAsync("tasks", "states-for-dag-run", "tutorial", "manual_e2e", "-o", "json")).Out)!.AsArray();
            Assert.Equal(["extract", "load", "transform"], tasks.Select(t => t!["task_id"]!.GetValue<string>()));
            Assert.All(tasks, t => Assert.Equal("success", t!["state"]!.GetValue<string>()));
            var log = Path.Combine(_home, "logs", "dag_id=tutorial", "run_id=manual_e2e", "task_id=load", "attempt=1.log");
            Assert.Contains("Total order value is 1236.70 over 3 orders", await File.ReadAllTextAsync(log));
        }
        finally
        {
            // A service manager stops it with SIGTERM; it must stop cleanly.
            Process.Start("kill", ["-TERM", standalone.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            await standalone.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        }

        var errors = await stderr;
        Assert.False(errors.Contains("Unhandled", StringComparison.Ordinal), errors);
        Assert.Equal(0, standalone.ExitCode);
    }

    [Fact]
    public async Task Trigger_PausedOrMissingDag_OneLineErrorNoRun()
    {
        var paused = await RunAsync("dags", "trigger", "tutorial");
        Assert.Equal(1, paused.Exit);
        Assert.Equal("Error: DAG 'tutorial' is paused; unpause it first with 'updraft dags unpause tutorial'.\n", paused.Error);
        var missing = await RunAsync("dags", "trigger", "no_such_dag");
        Assert.Equal(("Error: DAG 'no_such_dag' not found.\n", 1), (missing.Error, missing.Exit));
        Assert.Equal("No data found\n", (await RunAsync("dags", "list-runs", "tutorial")).Out);
    }

    [Fact]
    public async Task UnreachableDatabase_OneLineErrorWithoutPassword()
    {
        var start = Start("dags", "list-runs");
        start.Environment["UPDRAFT__DATABASE__CONNECTION"] = "postgresql://updraft:Sup3rS3cret@127.0.0.1:1/updraft";
        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(1, process.ExitCode);
        Assert.StartsWith("Error: Cannot connect to the metadata database at postgresql://127.0.0.1:1/updraft", error);
        Assert.DoesNotContain("Sup3rS3cret", error);
        Assert.Single(error.Trim().Split('\n'));
    }

    [Fact]
    public async Task DagsList_ShowsPauseStateFromTheDatabase()
    {
        Assert.Equal(0, (await RunAsync("dags", "unpause", "tutorial")).Exit);
        var rows = JsonNode.Parse((await RunAsync("dags", "list", "-o", "json")).Out)!.AsArray();
        Assert.Equal("False", rows.Single(r => r!["dag_id"]!.GetValue<string>() == "tutorial")!["is_paused"]!.GetValue<string>());
        Assert.Equal("True", rows.Single(r => r!["dag_id"]!.GetValue<string>() == "example_xcom")!["is_paused"]!.GetValue<string>());
    }

    [Fact]
    public async Task Backfill_CreatesARunPerIntervalAndFollowsThemToTheEnd()
    {
        var refused = await RunAsync("dags", "backfill", "example_bash_operator", "-s", "2025-01-01", "-e", "2025-01-03");
        Assert.Equal(1, refused.Exit);
        Assert.StartsWith("Error: No scheduler is running on this database to run the backfill", refused.Error);

        using var standalone = Process.Start(Start("standalone"))!;
        try
        {
            while (await standalone.StandardOutput.ReadLineAsync() is { } line && !line.Contains("is running", StringComparison.Ordinal))
            {
            }

            // The scheduler starts no run of a paused DAG, backfill runs included (as Airflow): following would never end.
            var paused = await RunAsync("dags", "backfill", "example_bash_operator", "-s", "2025-01-01", "-e", "2025-01-03");
            Assert.Equal(1, paused.Exit);
            Assert.StartsWith("Error: DAG 'example_bash_operator' is paused", paused.Error);
            Assert.Equal(0, (await RunAsync("dags", "unpause", "example_bash_operator")).Exit);

            var dryRun = await RunAsync("dags", "backfill", "example_bash_operator", "-s", "2025-01-01", "-e", "2025-01-03", "--dry-run");
            Assert.Equal(0, dryRun.Exit);
            Assert.Equal(
                "Dry run of a backfill of example_bash_operator: 3 run(s) would be created or run again:\n  2025-01-01T00:00:00+00:00\n  2025-01-02T00:00:00+00:00\n  2025-01-03T00:00:00+00:00\n",
                dryRun.Out);

            var (exit, output, error) = await RunAsync("dags", "backfill", "example_bash_operator", "-s", "2025-01-01", "-e", "2025-01-03");
            Assert.True(exit == 0, error + output);
            Assert.StartsWith("Backfill 1 of example_bash_operator: 3 run(s) created, 0 existing run(s) to run again, 0 interval(s) left alone.", output);
            Assert.EndsWith("[####################] 3/3 runs finished (3 success, 0 failed)\n", output);
            var runs = JsonNode.Parse((await RunAsync("dags", "list-runs", "example_bash_operator", "-o", "json")).Out)!.AsArray();
            Assert.Equal(
                ["backfill__2025-01-03T00:00:00+00:00", "backfill__2025-01-02T00:00:00+00:00", "backfill__2025-01-01T00:00:00+00:00"],
                runs.Select(r => r!["run_id"]!.GetValue<string>()).Where(id => id.StartsWith("backfill__", StringComparison.Ordinal)));

            // Airflow 3's command: the same range again leaves every existing run alone.
            var again = await RunAsync("backfill", "create", "--dag-id", "example_bash_operator", "--from-date", "2025-01-01", "--to-date", "2025-01-03");
            Assert.True(again.Exit == 0, again.Error);
            Assert.Equal("Backfill 2 of example_bash_operator: 0 run(s) created, 0 existing run(s) to run again, 3 interval(s) left alone (3 already exists).\n", again.Out);
            var bad = await RunAsync("backfill", "create", "--dag-id", "example_bash_operator", "--from-date", "2025-01-03", "--to-date", "2025-01-01");
            Assert.Equal(1, bad.Exit);
            Assert.Equal("Error: from_date (2025-01-03T00:00:00+00:00) must not be after to_date (2025-01-01T00:00:00+00:00).\n", bad.Error);
        }
        finally
        {
            Process.Start("kill", ["-TERM", standalone.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            await standalone.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        }
    }

    private static string DagFile(string dagId, string build) => $$"""
        public sealed class Source_{{dagId}} : IDagSource
        {
            public IEnumerable<Dag> Build()
            {
                {{build}}
                var dag = new Dag("{{dagId}}", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
                dag.Bash("hello", "echo hello from {{dagId}}");
                yield return dag;
            }
        }
        """;

    [Fact]
    public async Task HostileDagFiles_BecomeImportErrors_StandaloneKeepsRunningTheOthersAndSeesNewFiles()
    {
        var dags = Path.Combine(_home, "dags");
        Directory.CreateDirectory(dags);
        await File.WriteAllTextAsync(Path.Combine(dags, "overflows.cs"), DagFile("overflows", "Recurse(1); static int Recurse(int n) => Recurse(n + 1) + 1;"));
        await File.WriteAllTextAsync(Path.Combine(dags, "exits.cs"), DagFile("exits", "Environment.Exit(3);"));
        await File.WriteAllTextAsync(Path.Combine(dags, "hangs.cs"), DagFile("hangs", "while (true) { }"));
        await File.WriteAllTextAsync(Path.Combine(dags, "good.cs"), DagFile("good", ""));
        var start = Start("standalone");
        start.Environment["UPDRAFT__CORE__LOAD_EXAMPLES"] = "False";
        start.Environment["UPDRAFT__CORE__DAGBAG_IMPORT_TIMEOUT"] = "2";
        using var standalone = Process.Start(start)!;
        var stderr = standalone.StandardError.ReadToEndAsync();
        try
        {
            while (await standalone.StandardOutput.ReadLineAsync() is { } line && !line.Contains("is running", StringComparison.Ordinal))
            {
            }

            Assert.False(standalone.HasExited, standalone.HasExited ? await stderr : "");
            var database = Storage.Database.MetadataDatabase.FromUri($"sqlite:///{_home}/updraft.db");
            var errors = (await new Storage.Stores.DagStore(database).ImportErrorsAsync()).ToDictionary(e => Path.GetFileName(e.Filename), e => e.Message);
            Assert.Equal(["exits.cs", "hangs.cs", "overflows.cs"], errors.Keys.Order());
            Assert.Contains("exited with code 3", errors["exits.cs"]);
            Assert.Contains("exited with code 134 (aborted: SIGABRT, as on a stack overflow)", errors["overflows.cs"]);
            Assert.Contains("took longer than 2 s ([core] dagbag_import_timeout)", errors["hangs.cs"]);

            Assert.Equal(0, (await RunAsync("dags", "unpause", "good")).Exit);
            Assert.Equal(0, (await RunAsync("dags", "trigger", "good", "-r", "after_hostile")).Exit);
            await WaitForAsync(async () => (await RunAsync("dags", "state", "good", "after_hostile")).Out.Trim() == "success");

            // A file saved while it runs is listed without a restart.
            await File.WriteAllTextAsync(Path.Combine(dags, "later.cs"), DagFile("later", ""));
            await WaitForAsync(async () => (await new Storage.Stores.DagStore(database).GetAsync("later")) is { IsActive: true });
            Assert.False(standalone.HasExited);
        }
        finally
        {
            Process.Start("kill", ["-TERM", standalone.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            await standalone.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        }

        Assert.Equal(0, standalone.ExitCode);
    }

    [Fact]
    public async Task Standalone_ItsTriggererResumesADeferredTask_TheRunSucceeds_HealthShowsTheTriggerer()
    {
        var dags = Path.Combine(_home, "dags");
        Directory.CreateDirectory(dags);
        await File.WriteAllTextAsync(Path.Combine(dags, "defers.cs"), """
            public sealed class Defers : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var dag = new Dag("defers", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
                    var wait = dag.Task("wait", ctx =>
                    {
                        if (ctx.TriggerEvent is null)
                        {
                            ctx.Defer(DateTimeTrigger.After(TimeSpan.FromSeconds(2), ctx.Clock));
                        }

                        return $"resumed with {ctx.TriggerEvent!.Payload}";
                    });
                    dag.Task("after", wait, (TaskContext ctx, string resumed) => ctx.Log.Info($"after: {resumed}"));
                    yield return dag;
                }
            }
            """);
        var start = Start("standalone");
        start.Environment["UPDRAFT__CORE__LOAD_EXAMPLES"] = "False";
        using var standalone = Process.Start(start)!;
        var stderr = standalone.StandardError.ReadToEndAsync();
        try
        {
            string? line;
            var banner = new List<string>();
            while ((line = await standalone.StandardOutput.ReadLineAsync()) is not null && !line.Contains("is running", StringComparison.Ordinal))
            {
                banner.Add(line);
            }

            Assert.NotNull(line);
            var api = new Uri(Assert.Single(banner, l => l.StartsWith("API server listening on http://127.0.0.1:", StringComparison.Ordinal)).Split(' ')[4]);
            Assert.Equal(0, (await RunAsync("dags", "unpause", "defers")).Exit);
            Assert.Equal(0, (await RunAsync("dags", "trigger", "defers", "-r", "deferring")).Exit);

            await WaitForAsync(async () => (await RunAsync("dags", "state", "defers", "deferring")).Out.Trim() is "success" or "failed");

            Assert.Equal("success", (await RunAsync("dags", "state", "defers", "deferring")).Out.Trim());
            var tasks = JsonNode.Parse((await RunAsync("tasks", "states-for-dag-run", "defers", "deferring", "-o", "json")).Out)!.AsArray();
            Assert.All(tasks, t => Assert.Equal("success", t!["state"]!.GetValue<string>()));
            // Deferred and resumed in the same try, by the triggerer inside standalone.
            var log = await File.ReadAllTextAsync(Path.Combine(_home, "logs", "dag_id=defers", "run_id=deferring", "task_id=wait", "attempt=1.log"));
            Assert.Contains("Pausing task as DEFERRED: Deferring the task on DateTimeTrigger", log);
            var after = await File.ReadAllTextAsync(Path.Combine(_home, "logs", "dag_id=defers", "run_id=deferring", "task_id=after", "attempt=1.log"));
            Assert.Matches(@"after: resumed with \S+", after);
            using var http = new HttpClient();
            var health = JsonNode.Parse(await http.GetStringAsync(new Uri(api, "api/v2/monitor/health")))!;
            Assert.Equal("healthy", (string?)health["triggerer"]!["status"]);
            Assert.NotNull(health["triggerer"]!["latest_triggerer_heartbeat"]);
        }
        finally
        {
            Process.Start("kill", ["-TERM", standalone.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            await standalone.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        }

        var errors = await stderr;
        Assert.False(errors.Contains("Unhandled", StringComparison.Ordinal), errors);
        Assert.Equal(0, standalone.ExitCode);
    }

    private static async Task WaitForAsync(Func<Task<bool>> condition)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await condition())
        {
            await Task.Delay(200, limit.Token);
        }
    }

    [Fact]
    public async Task SchedulerDaemon_RunsInBackgroundWithPidFileAndStopsCleanly()
    {
        var (exit, output, error) = await RunAsync("scheduler", "-D");
        Assert.True(exit == 0, error);
        Assert.StartsWith("Started updraft scheduler in the background: pid ", output);
        var pidFile = Path.Combine(_home, "updraft-scheduler.pid");
        var log = Path.Combine(_home, "updraft-scheduler.log");
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (!File.Exists(pidFile) || !File.Exists(log) || !(await File.ReadAllTextAsync(log, limit.Token)).Contains("is running", StringComparison.Ordinal))
        {
            await Task.Delay(100, limit.Token);
        }

        var pid = int.Parse((await File.ReadAllTextAsync(pidFile)).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        var again = await RunAsync("scheduler", "-D");
        Assert.Equal(1, again.Exit);
        Assert.Contains($"already running in the background (pid {pid}", again.Error);

        // A script stops it with SIGTERM and waits for the pid file to go (the daemon is not this test's child, so
        // waiting on the process itself is not reliable).
        Process.Start("kill", ["-TERM", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
        var deadline = Stopwatch.StartNew();
        while (File.Exists(pidFile) && deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100);
        }

        Assert.False(File.Exists(pidFile), $"alive: {Directory.Exists($"/proc/{pid}")}\n{await File.ReadAllTextAsync(log)}");

        Assert.Contains("Scheduler stopped.", await File.ReadAllTextAsync(log));
    }
}
