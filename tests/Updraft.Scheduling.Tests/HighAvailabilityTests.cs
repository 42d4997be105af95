using Dapper;
using Updraft.Core.States;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>Several schedulers on one database: no try runs twice, no limit is overshot (PostgreSQL and MariaDB).</summary>
public abstract class HighAvailabilityTests
{
    protected abstract string CreateDatabase();

    [Fact]
    public async Task TwoSchedulers_1000TaskInstances_NoneRunTwice()
    {
        await using var o = new Orchestra(CreateDatabase());
        await o.MigrateAsync();
        var ledger = Path.Combine(o.Home, "ledger.txt");
        o.WriteDag("wide.cs", Orchestra.DagSource("wide", $$$"""
            for (var i = 0; i < 10; i++)
            {
                dag.Bash($"t{i}", "echo '{{ run_id }} {{ task.task_id }} {{ ti.try_number }}' >> {{{ledger}}}");
            }
            """, "MaxActiveTasks = 1000, MaxActiveRuns = 1000"));
        await o.ProcessAsync();
        for (var i = 0; i < 100; i++)
        {
            await o.TriggerAsync("wide", $"run_{i:000}");
        }

        var (first, firstExecutor) = o.NewScheduler(parallelism: 4);
        var (second, secondExecutor) = o.NewScheduler(parallelism: 4);
        // A pass a transient error aborted runs again, as the scheduler service runs it: what counts is no try twice.
        await Task.WhenAll(
            o.RunToCompletionAsync(first, firstExecutor, TimeSpan.FromMinutes(5), rideOutOutages: true),
            o.RunToCompletionAsync(second, secondExecutor, TimeSpan.FromMinutes(5), rideOutOutages: true));

        var lines = await File.ReadAllLinesAsync(ledger);
        Assert.Equal(1000, lines.Length);
        Assert.Equal(1000, lines.Distinct().Count());
        Assert.All(lines, l => Assert.EndsWith(" 1", l));
        await using var connection = await o.Database.OpenAsync();
        Assert.Equal(1000, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM task_instance WHERE state = 'success' AND try_number = 1"));
        Assert.Equal(1000, await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM task_instance_history"));
        Assert.All(await new DagRunStore(o.Database).ListAsync("wide", limit: 1000), r => Assert.Equal(DagRunState.Success, r.State));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Schedulers_PoolOfTwoAndDagCappedAtThree_NeverAboveTheLimitWhileRunning(int schedulers)
    {
        await using var o = new Orchestra(CreateDatabase());
        await o.MigrateAsync();
        await new PoolStore(o.Database).SetAsync("two", 2, null);
        o.WriteDag("pooled.cs", Orchestra.DagSource("pooled", """
            for (var i = 0; i < 8; i++)
            {
                dag.Bash($"t{i}", "sleep 0.3").Pool = "two";
            }
            """, "MaxActiveTasks = 100, MaxActiveRuns = 10"));
        o.WriteDag("capped.cs", Orchestra.DagSource("capped", """
            for (var i = 0; i < 8; i++)
            {
                dag.Bash($"t{i}", "sleep 0.3");
            }
            """, "MaxActiveTasks = 3, MaxActiveRuns = 10"));
        await o.ProcessAsync();
        for (var i = 0; i < 2; i++)
        {
            await o.TriggerAsync("pooled", $"run_{i}");
            await o.TriggerAsync("capped", $"run_{i}");
        }

        var engines = Enumerable.Range(0, schedulers).Select(_ => o.NewScheduler(parallelism: 4)).ToList();
        using var stop = new CancellationTokenSource();
        var (mostInPool, mostInDag) = (0, 0);
        var sampler = Task.Run(async () =>
        {
            await using var connection = await o.Database.OpenAsync();
            while (!stop.IsCancellationRequested)
            {
                var inPool = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM task_instance WHERE pool = 'two' AND state IN ('queued', 'running')");
                var inDag = await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM task_instance WHERE dag_id = 'capped' AND state IN ('queued', 'running')");
                (mostInPool, mostInDag) = (Math.Max(mostInPool, (int)inPool), Math.Max(mostInDag, (int)inDag));
                await Task.Delay(10);
            }
        });

        // A pass that a transient error aborted (an InnoDB deadlock the statement could not retry in place) runs again,
        // as the scheduler service runs it; what this tests is that no limit is ever overshot.
        await Task.WhenAll(engines.Select(e => o.RunToCompletionAsync(e.Engine, e.Executor, TimeSpan.FromMinutes(3), rideOutOutages: true)));
        await stop.CancelAsync();
        await sampler;

        Assert.Equal((2, 3), (mostInPool, mostInDag));
        await using var check = await o.Database.OpenAsync();
        Assert.Equal(32, await check.ExecuteScalarAsync<long>("SELECT count(*) FROM task_instance WHERE state = 'success' AND try_number = 1"));
    }

    [Fact]
    public async Task TwoSchedulers_CatchUpRunsOfOneDag_EachRunCreatedOnceAndNoPassAborted()
    {
        await using var o = new Orchestra(CreateDatabase());
        await o.MigrateAsync();
        o.WriteDag("daily.cs", """
            public sealed class Daily : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var dag = new Dag("daily", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
                    {
                        Catchup = true, MaxActiveRuns = 30, EndDate = new DateTimeOffset(2025, 1, 20, 0, 0, 0, TimeSpan.Zero),
                    };
                    dag.Empty("noop");
                    yield return dag;
                }
            }
            """);
        await o.ProcessAsync();
        var first = o.NewScheduler(parallelism: 4);
        var second = o.NewScheduler(parallelism: 4);

        // A pass that threw (a unique violation from a duplicate run) fails this test through the awaited task. The
        // harness stops a scheduler after a pass without progress while no run is active; with two schedulers racing
        // for the same catch-up runs (empty tasks finish within the pass that queues them), both can stop that way
        // before the last interval on a loaded machine, so they are run again until every interval has its run.
        var store = new DagRunStore(o.Database);
        for (var round = 0; round < 10 && (await store.ListAsync("daily", limit: 100)).Count < 20; round++)
        {
            await Task.WhenAll(
                o.RunToCompletionAsync(first.Engine, first.Executor, TimeSpan.FromMinutes(2)),
                o.RunToCompletionAsync(second.Engine, second.Executor, TimeSpan.FromMinutes(2)));
        }

        var runs = await store.ListAsync("daily", limit: 100);
        // One run per day from 1 to 20 January, the end date included, as one scheduler creates them.
        Assert.Equal(20, runs.Count);
        Assert.Equal(20, runs.Select(r => r.LogicalDate).Distinct().Count());
        Assert.All(runs, r => Assert.Equal(DagRunState.Success, r.State));
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresHighAvailabilityTests(PostgresServer server) : HighAvailabilityTests
{
    protected override string CreateDatabase() => server.CreateDatabase();

    [Fact]
    public async Task PostgresRestart_DuringARun_SchedulerAndWorkersRideItOut_NothingLostOrDoubled()
    {
        await using var o = new Orchestra(CreateDatabase());
        await o.MigrateAsync();
        var ledger = Path.Combine(o.Home, "ledger.txt");
        o.WriteDag("steady.cs", Orchestra.DagSource("steady", $$$"""
            for (var i = 0; i < 24; i++)
            {
                dag.Bash($"t{i}", "echo '{{ task.task_id }} {{ ti.try_number }}' >> {{{ledger}}}; sleep 0.4");
            }
            """, "MaxActiveTasks = 4"));
        await o.ProcessAsync();
        var run = await o.TriggerAsync("steady");
        var (engine, executor) = o.NewScheduler(parallelism: 4);
        var restarted = false;

        await o.RunToCompletionAsync(engine, executor, TimeSpan.FromMinutes(3), rideOutOutages: true, afterPass: async () =>
        {
            if (!restarted && File.Exists(ledger) && (await File.ReadAllLinesAsync(ledger)).Length >= 4)
            {
                // Down for a few seconds with tries running: their heartbeats, starts and finishes meet a dead server.
                restarted = true;
                server.Stop();
                await Task.Delay(TimeSpan.FromSeconds(4));
                server.Start();
            }
        });

        Assert.True(restarted);
        var lines = await File.ReadAllLinesAsync(ledger);
        Assert.Equal(24, lines.Length);
        Assert.Equal(24, lines.Distinct().Count());
        Assert.All(lines, l => Assert.EndsWith(" 1", l));
        Assert.Equal(DagRunState.Success, (await new DagRunStore(o.Database).GetAsync("steady", run.RunId))!.State);
        Assert.All((await o.TasksAsync("steady", run.RunId)).Values, t => Assert.Equal((TaskInstanceState.Success, 1), (t.State, t.TryNumber)));
    }
}

[Collection(MariaDbCollection.Name)]
public sealed class MariaDbHighAvailabilityTests(MariaDbServer server) : HighAvailabilityTests
{
    protected override string CreateDatabase() => server.CreateDatabase();
}
