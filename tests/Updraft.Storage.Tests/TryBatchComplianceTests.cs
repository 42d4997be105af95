using Dapper;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Storage.Tests;

/// <summary>Starting and ending tries in batches, each row guarded as a single write is; SQLite and PostgreSQL.</summary>
public abstract class TryBatchComplianceTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract MetadataDatabase Database { get; }

    private async Task<(TaskInstanceStore Tasks, DagRunRecord Run)> QueuedAsync(params string[] taskIds)
    {
        await new Migrator(Database, TimeProvider.System).MigrateAsync();
        var dag = new Dag("d", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        foreach (var id in taskIds)
        {
            dag.Bash(id, "true").Retries = 1;
        }

        var serialized = DagSerializer.Serialize(dag, new DagDefaults(), "h") with { Fileloc = "/dags/d.cs" };
        await new DagStore(Database).SyncAsync([serialized], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        var run = await new DagRunStore(Database).CreateAsync(serialized, 1, "r", DagRunType.Manual, DagRunInfo.Exact(Now), null, DagRunState.Running, Now);
        var tasks = new TaskInstanceStore(Database);
        foreach (var id in taskIds)
        {
            await tasks.ForceQueueAsync(Key(id), Now);
        }

        return (tasks, run);
    }

    private static TaskInstanceKey Key(string taskId) => new("d", "r", taskId);

    [Fact]
    public async Task StartMany_StartsQueuedTriesOnly_ReturningEachOnesRun()
    {
        var (tasks, run) = await QueuedAsync("a", "b", "c");

        var started = await tasks.StartManyAsync(
            [new(Key("a"), 1, "h1", 11), new(Key("b"), 1, "h2", 12), new(Key("c"), 2, "h3", 13), new(Key("nope"), 1, "h4", 14)],
            Now);
        var again = await tasks.StartManyAsync([new(Key("a"), 1, "h9", 99)], Now);

        Assert.Equal([new TryKey(Key("a"), 1), new TryKey(Key("b"), 1)], started.Keys.OrderBy(k => k.Key.TaskId));
        Assert.All(started.Values, s => Assert.Equal((run.Id, run.DagVersion, run.LogicalDate, (TryResume?)null), (s.Run.Id, s.Run.DagVersion, s.Run.LogicalDate, s.Resume)));
        Assert.Empty(again);
        var b = (await tasks.GetAsync(Key("b")))!;
        Assert.Equal((TaskInstanceState.Running, "h2", 12), (b.State, b.Hostname, b.Pid));
        Assert.Equal(TaskInstanceState.Queued, (await tasks.GetAsync(Key("c")))!.State);
    }

    [Fact]
    public async Task FinishMany_EachTryOnlyIfItOwnsItsRow_WithHistory_RestartingOnesRunAgain()
    {
        var (tasks, _) = await QueuedAsync("a", "b", "c", "d");
        await tasks.StartManyAsync([new(Key("a"), 1, "h", 1), new(Key("b"), 1, "h", 1), new(Key("c"), 1, "h", 1), new(Key("d"), 1, "h", 1)], Now);
        await tasks.ClearAsync([(Key("c"), 1)]);
        await using (var connection = await Database.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE dag_run SET needs_evaluation = 0");
        }

        var retryAt = Now.AddMinutes(5);
        var ended = await tasks.FinishManyAsync(
            [
                new(Key("a"), 1, TaskInstanceState.Success),
                new(Key("b"), 1, TaskInstanceState.UpForRetry, retryAt),
                new(Key("c"), 1, TaskInstanceState.Failed),
                new(Key("d"), 2, TaskInstanceState.Success),
            ],
            Now.AddSeconds(3));

        Assert.Equal([new TryKey(Key("a"), 1), new TryKey(Key("b"), 1), new TryKey(Key("c"), 1)], ended.OrderBy(k => k.Key.TaskId));
        var (a, b, c, d) = ((await tasks.GetAsync(Key("a")))!, (await tasks.GetAsync(Key("b")))!, (await tasks.GetAsync(Key("c")))!, (await tasks.GetAsync(Key("d")))!);
        Assert.Equal((TaskInstanceState.Success, 3.0), (a.State, a.Duration));
        Assert.Equal((TaskInstanceState.UpForRetry, Micros.From(retryAt)), (b.State, b.NextRetryAt));
        Assert.Equal((TaskInstanceState.None, (long?)null), (c.State, c.NextRetryAt));
        Assert.Equal(TaskInstanceState.Running, d.State);
        await using var check = await Database.OpenAsync();
        var history = (await check.QueryAsync<(string TaskId, string State)>("SELECT task_id, state FROM task_instance_history ORDER BY task_id")).ToList();
        Assert.Equal([("a", "success"), ("b", "up_for_retry"), ("c", "failed")], history);
        Assert.Equal(1, await check.ExecuteScalarAsync<int>("SELECT needs_evaluation FROM dag_run"));
    }

    [Fact]
    public async Task Admit_FewCandidatesReadFirst_AllOfThemWhenThoseCannotFillTheSlots()
    {
        await new Migrator(Database, TimeProvider.System).MigrateAsync();
        var dag = new Dag("d", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)) { MaxActiveTasks = 100 };
        for (var i = 0; i < 40; i++)
        {
            dag.Bash($"t{i:00}", "true");
        }

        var serialized = DagSerializer.Serialize(dag, new DagDefaults(), "h") with { Fileloc = "/dags/d.cs" };
        await new DagStore(Database).SyncAsync([serialized], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        await new DagRunStore(Database).CreateAsync(serialized, 1, "r", DagRunType.Manual, DagRunInfo.Exact(Now), null, DagRunState.Running, Now);
        await new TaskInstanceStore(Database).TransitionAsync([.. serialized.Tasks.Select(t => new TaskInstanceChange(Key(t.TaskId), TaskInstanceState.None, TaskInstanceState.Scheduled))], Now);
        var seen = new List<int>();

        // A select that, as a per-task limit would, refuses the first 35 tasks in priority order.
        var queued = await new AdmissionStore(Database).AdmitAsync(
            100,
            snapshot =>
            {
                seen.Add(snapshot.Candidates.Count);
                return ValueTask.FromResult<IReadOnlyList<(TaskInstanceKey, string)>>(
                    [.. snapshot.Candidates.Where(c => string.CompareOrdinal(c.TaskId, "t35") >= 0).Take(1).Select(c => (c.Key, "LocalExecutor"))]);
            },
            Now,
            wanted: 1);

        Assert.Equal([32, 40], seen);
        Assert.Equal(["t35"], queued.Select(q => q.TaskId));
    }

    [Fact]
    public async Task FinishMany_TheSameTryTwiceInABatch_EndsItOnce()
    {
        var (tasks, _) = await QueuedAsync("a");
        await tasks.StartManyAsync([new(Key("a"), 1, "h", 1)], Now);

        var ended = await tasks.FinishManyAsync([new(Key("a"), 1, TaskInstanceState.Success), new(Key("a"), 1, TaskInstanceState.Success)], Now);

        Assert.Equal([new TryKey(Key("a"), 1)], ended);
        await using var check = await Database.OpenAsync();
        Assert.Equal(1, await check.ExecuteScalarAsync<int>("SELECT count(*) FROM task_instance_history"));
    }

    [Fact]
    public async Task FinishMany_FromOtherStates_AndARefusedMove_WritesNothing()
    {
        var (tasks, _) = await QueuedAsync("a");

        await Assert.ThrowsAsync<InvalidOperationException>(() => tasks.FinishManyAsync([new(Key("a"), 1, TaskInstanceState.Scheduled)], Now));
        var ended = await tasks.FinishManyAsync([new(Key("a"), 1, TaskInstanceState.Failed)], Now, [TaskInstanceState.Queued]);

        Assert.Equal([new TryKey(Key("a"), 1)], ended);
        Assert.Equal(TaskInstanceState.Failed, (await tasks.GetAsync(Key("a")))!.State);
    }
}

public sealed class SqliteTryBatchTests : TryBatchComplianceTests, IDisposable
{
    private readonly Updraft.Tests.Shared.SqliteTestFile _file = new("updraft-batch");

    protected override MetadataDatabase Database => MetadataDatabase.FromUri(_file.Uri);

    public void Dispose() => _file.Dispose();
}

[Collection(Updraft.Tests.Shared.PostgresCollection.Name)]
public sealed class PostgresTryBatchTests(Updraft.Tests.Shared.PostgresServer server) : TryBatchComplianceTests
{
    private readonly MetadataDatabase _database = MetadataDatabase.FromUri(server.CreateDatabase());

    protected override MetadataDatabase Database => _database;
}

[Collection(Updraft.Tests.Shared.MariaDbCollection.Name)]
public sealed class MariaDbTryBatchTests(Updraft.Tests.Shared.MariaDbServer server) : TryBatchComplianceTests
{
    private readonly MetadataDatabase _database = MetadataDatabase.FromUri(server.CreateDatabase());

    protected override MetadataDatabase Database => _database;
}
