using System.Diagnostics;
using Dapper;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Scheduling.Scheduling;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// Tries that lose their task instance while they run (declared lost while frozen, or cleared) are stopped by their
/// worker and can never write; run against SQLite and PostgreSQL by the subclasses.
/// </summary>
public abstract class LostTryTests
{
    protected abstract string? DatabaseUri();

    /// <summary>A task that records its start and end in a ledger; its first try waits <paramref name="firstTryWait"/>.</summary>
    private static string LedgerTask(string dagId, string ledger, string firstTryWait, int retries) => Orchestra.DagSource(dagId, $$"""
        var t = dag.Task("work", async (TaskContext ctx) =>
        {
            File.AppendAllText("{{ledger}}", $"start {ctx.TryNumber}\n");
            if (ctx.TryNumber == 1)
            {
                await Task.Delay(TimeSpan.FromSeconds({{firstTryWait}}));
            }

            File.AppendAllText("{{ledger}}", $"end {ctx.TryNumber}\n");
            return ctx.TryNumber;
        });
        t.Retries = {{retries}};
        t.RetryDelay = TimeSpan.Zero;
        """);

    private static async Task SignalAsync(string signal, int pid)
    {
        using var kill = Process.Start("kill", [$"-{signal}", pid.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        await kill.WaitForExitAsync();
        Assert.Equal(0, kill.ExitCode);
    }

    [Fact]
    public async Task StoppedPastZombieThreshold_ThenResumed_NeverWritesAndIsKilled_RetryIsTheOnlySuccess()
    {
        await using var o = await Orchestra.CreateAsync(DatabaseUri());
        var ledger = Path.Combine(o.Home, "ledger.txt");
        o.WriteDag("frozen.cs", LedgerTask("frozen", ledger, firstTryWait: "20", retries: 1));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler(zombieThreshold: TimeSpan.FromSeconds(3));
        var run = await o.TriggerAsync("frozen");
        var key = new TaskInstanceKey("frozen", run.RunId, "work");
        var tasks = new TaskInstanceStore(o.Database);
        Process? frozen = null;

        // Freeze try 1's worker (as a long GC pause or a hung machine would) once the task is under way.
        await o.RunToCompletionAsync(engine, executor, TimeSpan.FromSeconds(90), afterPass: async () =>
        {
            if (frozen is null && await tasks.GetAsync(key) is { State: TaskInstanceState.Running, TryNumber: 1, Pid: { } pid } && File.Exists(ledger))
            {
                frozen = Process.GetProcessById(pid);
                await SignalAsync("STOP", pid);
            }
        });

        Assert.NotNull(frozen);
        var retried = (await tasks.GetAsync(key))!;
        Assert.Equal((TaskInstanceState.Success, 2), (retried.State, retried.TryNumber));

        // Thawed, try 1 finds at its next heartbeat that it no longer owns the row, and its worker kills it.
        await SignalAsync("CONT", frozen.Id);
        using (var exited = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
        {
            await frozen.WaitForExitAsync(exited.Token);
        }

        await engine.RunOnceAsync();
        var final = (await tasks.GetAsync(key))!;
        Assert.Equal((TaskInstanceState.Success, 2), (final.State, final.TryNumber));
        Assert.Equal("2", await new Storage.Stores.DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new XComKey("frozen", run.RunId, "work", -1, XComKey.ReturnValue)));
        Assert.Equal(["start 1", "start 2", "end 2"], await File.ReadAllLinesAsync(ledger));
        Assert.Contains("Try 1 no longer owns the task instance", o.ReadLog("frozen", run.RunId, "work", 1));
        await using var connection = await o.Database.OpenAsync();
        Assert.Equal(
            ["1 up_for_retry", "2 success"],
            await connection.QueryAsync<string>("SELECT try_number || ' ' || state FROM task_instance_history WHERE dag_id = 'frozen' ORDER BY try_number"));
    }

    [Fact]
    public async Task TasksClear_RunningTaskInstance_TryStoppedAndRunsAgain()
    {
        await using var o = await Orchestra.CreateAsync(DatabaseUri());
        var ledger = Path.Combine(o.Home, "ledger.txt");
        o.WriteDag("cleared.cs", LedgerTask("cleared", ledger, firstTryWait: "60", retries: 0));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("cleared");
        var key = new TaskInstanceKey("cleared", run.RunId, "work");
        var tasks = new TaskInstanceStore(o.Database);
        var cleared = TaskInstanceState.None;

        await o.RunToCompletionAsync(engine, executor, TimeSpan.FromSeconds(90), afterPass: async () =>
        {
            if (cleared == TaskInstanceState.None && await tasks.GetAsync(key) is { State: TaskInstanceState.Running, TryNumber: 1 } && File.Exists(ledger))
            {
                using var output = new StringWriter();
                var exit = await Updraft.Cli.UpdraftCli.RunAsync(
                    ["tasks", "clear", "cleared", "-t", "work", "-y"],
                    new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, TextWriter.Null, TimeProvider.System));
                Assert.Equal((0, "Cleared 1 task instance(s).\n"), (exit, output.ToString()));
                cleared = (await tasks.GetAsync(key))!.State;
            }
        });

        Assert.Equal(TaskInstanceState.Restarting, cleared);
        var done = (await tasks.GetAsync(key))!;
        Assert.Equal((TaskInstanceState.Success, 2), (done.State, done.TryNumber));
        Assert.Equal(DagRunState.Success, (await new DagRunStore(o.Database).GetAsync("cleared", run.RunId))!.State);
        Assert.Equal(["start 1", "start 2", "end 2"], await File.ReadAllLinesAsync(ledger));
        // Stopped by whichever comes first: the scheduler terminating it, or its own heartbeat finding it lost its row.
        Assert.Matches("Try 1 no longer owns the task instance|terminated by the scheduler", o.ReadLog("cleared", run.RunId, "work", 1));
    }

    [Fact]
    public async Task SchedulerKilled_TheNextOneResetsItsTriesAtOnce_NotAfterTheZombieThreshold()
    {
        await using var o = await Orchestra.CreateAsync(DatabaseUri(), new()
        {
            ["UPDRAFT__SCHEDULER__SCHEDULER_ZOMBIE_TASK_THRESHOLD"] = "600",
            ["UPDRAFT__SCHEDULER__TASK_QUEUED_TIMEOUT"] = "600",
        });
        var ledger = Path.Combine(o.Home, "ledger.txt");
        o.WriteDag("orphan.cs", LedgerTask("orphan", ledger, firstTryWait: "600", retries: 1));
        await o.ProcessAsync();
        var run = await o.TriggerAsync("orphan");
        var key = new TaskInstanceKey("orphan", run.RunId, "work");
        var tasks = new TaskInstanceStore(o.Database);
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(120));

        var first = ChaosTests.StartScheduler(o);
        while (await tasks.GetAsync(key) is not { State: TaskInstanceState.Running, TryNumber: 1 } || !File.Exists(ledger))
        {
            await Task.Delay(100, limit.Token);
        }

        ChaosTests.Kill(first.Id);
        await first.WaitForExitAsync(limit.Token);
        first.Dispose();

        // Nothing would notice try 1 for ten minutes (zombie threshold): the next scheduler finds its dead
        // predecessor in the job table at start and fails try 1 as lost; try 2 runs and the run succeeds.
        var second = ChaosTests.StartScheduler(o);
        try
        {
            while ((await new DagRunStore(o.Database).GetAsync("orphan", run.RunId))!.State != DagRunState.Success)
            {
                await Task.Delay(100, limit.Token);
            }
        }
        finally
        {
            Process.Start("kill", ["-TERM", second.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            await second.WaitForExitAsync(CancellationToken.None);
            second.Dispose();
        }

        var done = (await tasks.GetAsync(key))!;
        Assert.Equal((TaskInstanceState.Success, 2), (done.State, done.TryNumber));
        Assert.Equal(["start 1", "start 2", "end 2"], await File.ReadAllLinesAsync(ledger));
        await using var connection = await o.Database.OpenAsync();
        Assert.Equal(
            ["failed", "success"],
            await connection.QueryAsync<string>($"SELECT state FROM job WHERE job_type = '{SchedulerEngine.JobType}' ORDER BY id"));
        Assert.Equal(
            ["1 up_for_retry", "2 success"],
            await connection.QueryAsync<string>("SELECT try_number || ' ' || state FROM task_instance_history WHERE dag_id = 'orphan' ORDER BY try_number"));
    }
}

public sealed class SqliteLostTryTests : LostTryTests
{
    protected override string? DatabaseUri() => null;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresLostTryTests(PostgresServer server) : LostTryTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}

[Collection(MariaDbCollection.Name)]
public sealed class MariaDbLostTryTests(MariaDbServer server) : LostTryTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}
