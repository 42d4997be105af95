using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Storage.Tests;

/// <summary>Rendered template fields: replaced per task instance, guarded by the writing try, trimmed to the newest runs; SQLite and PostgreSQL.</summary>
public abstract class RenderedFieldsComplianceTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract MetadataDatabase Database { get; }

    private static SerializedDag Serialized()
    {
        var dag = new Dag("d", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        dag.Bash("b", "echo {{ ds }}");
        dag.Bash("other", "echo other");
        return DagSerializer.Serialize(dag, new DagDefaults(), "hash") with { Fileloc = "/dags/d.cs" };
    }

    /// <summary>A migrated database holding DAG <c>d</c> and one run per day given, run ids <c>r{day}</c>.</summary>
    private async Task<MetadataDatabase> WithRunsAsync(params int[] days)
    {
        await new Migrator(Database, TimeProvider.System).MigrateAsync();
        await new DagStore(Database).SyncAsync([Serialized()], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        var runs = new DagRunStore(Database);
        foreach (var day in days)
        {
            await runs.CreateAsync(
                Serialized(), 1, $"r{day}", DagRunType.Manual, DagRunInfo.Exact(new DateTimeOffset(2025, 1, day, 0, 0, 0, TimeSpan.Zero)), null, DagRunState.Running, Now);
        }

        return Database;
    }

    private static Dictionary<string, string> Fields(string command) => new(StringComparer.Ordinal) { ["bash_command"] = command, ["env.MODE"] = "full" };

    [Fact]
    public async Task Set_ThenSetAgain_ReplacesTheTaskInstancesFieldsInOrder_OthersUntouched()
    {
        var store = new RenderedFieldsStore(await WithRunsAsync(1));
        var key = new TaskInstanceKey("d", "r1", "b");
        Assert.Null(await store.GetAsync(key));

        await store.SetAsync(key, Fields("echo 2025-01-01 \"quoted\" é"));
        await store.SetAsync(key with { MapIndex = 0 }, Fields("echo mapped"));
        await store.SetAsync(key, Fields("echo again"));

        var stored = await store.GetAsync(key);
        Assert.Equal([("bash_command", "echo again"), ("env.MODE", "full")], stored!.Select(f => (f.Key, f.Value)));
        Assert.Equal("echo mapped", (await store.GetAsync(key with { MapIndex = 0 }))!["bash_command"]);
        Assert.Null(await store.GetAsync(key with { TaskId = "other" }));
    }

    [Fact]
    public async Task Set_ByATryThatDoesNotOwnItsRunningTaskInstance_RefusedAndNothingWritten()
    {
        var db = await WithRunsAsync(1);
        var store = new RenderedFieldsStore(db);
        var tasks = new TaskInstanceStore(db);
        var key = new TaskInstanceKey("d", "r1", "b");

        // Queued, not yet started by its try: nothing to write for.
        await tasks.ForceQueueAsync(key, Now);
        await Assert.ThrowsAsync<TryNotOwnedException>(() => store.SetAsync(key, Fields("early"), writerTry: 1));
        Assert.True(await tasks.StartAsync(key, 1, "host", 1, Now));
        await Assert.ThrowsAsync<TryNotOwnedException>(() => store.SetAsync(key, Fields("stale"), writerTry: 0));
        Assert.Null(await store.GetAsync(key));

        await store.SetAsync(key, Fields("owned"), writerTry: 1);
        Assert.True(await tasks.FinishAsync(key, 1, TaskInstanceState.Success, Now));
        await Assert.ThrowsAsync<TryNotOwnedException>(() => store.SetAsync(key, Fields("late"), writerTry: 1));
        Assert.Equal("owned", (await store.GetAsync(key))!["bash_command"]);
    }

    [Fact]
    public async Task Set_PastTheLimit_KeepsTheNewestRunsByLogicalDate_OfThatTaskOnly()
    {
        // Created out of date order, so keeping by creation would keep the wrong ones.
        var db = await WithRunsAsync(5, 1, 4, 2, 3);
        var store = new RenderedFieldsStore(db, maxRunsPerTask: 3);
        await store.SetAsync(new TaskInstanceKey("d", "r1", "other"), Fields("other task"));
        foreach (var day in new[] { 1, 2, 3 })
        {
            // Mapped instances of one run count as one run.
            await store.SetAsync(new TaskInstanceKey("d", $"r{day}", "b", 0), Fields($"day {day}"));
            await store.SetAsync(new TaskInstanceKey("d", $"r{day}", "b", 1), Fields($"day {day}"));
        }

        Assert.NotNull(await store.GetAsync(new TaskInstanceKey("d", "r1", "b", 1)));

        await store.SetAsync(new TaskInstanceKey("d", "r5", "b", 0), Fields("day 5"));
        await store.SetAsync(new TaskInstanceKey("d", "r4", "b", 0), Fields("day 4"));

        var kept = new List<string>();
        foreach (var day in new[] { 1, 2, 3, 4, 5 })
        {
            if (await store.GetAsync(new TaskInstanceKey("d", $"r{day}", "b", 0)) is not null)
            {
                kept.Add($"r{day}");
            }
        }

        Assert.Equal(["r3", "r4", "r5"], kept);
        Assert.NotNull(await store.GetAsync(new TaskInstanceKey("d", "r3", "b", 1)));
        Assert.Null(await store.GetAsync(new TaskInstanceKey("d", "r2", "b", 1)));
        Assert.NotNull(await store.GetAsync(new TaskInstanceKey("d", "r1", "other")));
    }

    [Fact]
    public async Task Set_LimitZero_KeepsEveryRun()
    {
        var store = new RenderedFieldsStore(await WithRunsAsync(1, 2), maxRunsPerTask: 0);
        await store.SetAsync(new TaskInstanceKey("d", "r1", "b"), Fields("one"));
        await store.SetAsync(new TaskInstanceKey("d", "r2", "b"), Fields("two"));
        Assert.NotNull(await store.GetAsync(new TaskInstanceKey("d", "r1", "b")));
    }

    [Fact]
    public async Task DeleteRunOrDag_RemovesTheirRenderedFields()
    {
        var db = await WithRunsAsync(1, 2);
        var store = new RenderedFieldsStore(db);
        await store.SetAsync(new TaskInstanceKey("d", "r1", "b"), Fields("one"));
        await store.SetAsync(new TaskInstanceKey("d", "r2", "b"), Fields("two"));

        Assert.True(await new DagRunStore(db).DeleteAsync("d", "r1"));
        Assert.Null(await store.GetAsync(new TaskInstanceKey("d", "r1", "b")));
        Assert.NotNull(await store.GetAsync(new TaskInstanceKey("d", "r2", "b")));
        Assert.True(await new DagStore(db).DeleteAsync("d"));
        Assert.Null(await store.GetAsync(new TaskInstanceKey("d", "r2", "b")));
    }
}

public sealed class SqliteRenderedFieldsTests : RenderedFieldsComplianceTests, IDisposable
{
    private readonly Updraft.Tests.Shared.SqliteTestFile _file = new("updraft-rtif");

    protected override MetadataDatabase Database => MetadataDatabase.FromUri(_file.Uri);

    public void Dispose() => _file.Dispose();
}

[Collection(Updraft.Tests.Shared.PostgresCollection.Name)]
public sealed class PostgresRenderedFieldsTests(Updraft.Tests.Shared.PostgresServer server) : RenderedFieldsComplianceTests
{
    private readonly MetadataDatabase _database = MetadataDatabase.FromUri(server.CreateDatabase());

    protected override MetadataDatabase Database => _database;
}

[Collection(Updraft.Tests.Shared.MariaDbCollection.Name)]
public sealed class MariaDbRenderedFieldsTests(Updraft.Tests.Shared.MariaDbServer server) : RenderedFieldsComplianceTests
{
    private readonly MetadataDatabase _database = MetadataDatabase.FromUri(server.CreateDatabase());

    protected override MetadataDatabase Database => _database;
}
