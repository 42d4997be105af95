using System.Text.Json.Nodes;
using Dapper;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Storage.Tests;

/// <summary>What every metadata database must do; run against SQLite and PostgreSQL by the subclasses.</summary>
public abstract class StoreComplianceTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    protected abstract MetadataDatabase Database { get; }

    private async Task<MetadataDatabase> MigratedAsync()
    {
        await new Migrator(Database, TimeProvider.System).MigrateAsync();
        return Database;
    }

    private static SerializedDag Serialized(string dagId = "d", string bashCommand = "echo hi", bool paused = true)
    {
        var dag = new Dag(dagId, schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)) { IsPausedUponCreation = paused };
        var a = dag.Empty("a");
        a.Retries = 2;
        _ = a >> dag.Bash("b", bashCommand);
        return DagSerializer.Serialize(dag, new DagDefaults(), "hash") with { Fileloc = $"/dags/{dagId}.cs" };
    }

    private static DagRunInfo Info(int day) => DagRunInfo.Exact(new DateTimeOffset(2025, 1, day, 0, 0, 0, TimeSpan.Zero));

    [Fact]
    public async Task Migrate_EmptyDatabase_ReachesLatestOnce()
    {
        var migrator = new Migrator(Database, TimeProvider.System);
        await Assert.ThrowsAsync<DatabaseException>(() => migrator.CheckAsync());
        Assert.Equal(migrator.LatestVersion, await migrator.MigrateAsync());
        Assert.Equal(0, await migrator.MigrateAsync());
        await migrator.CheckAsync();
        Assert.Equal(migrator.LatestVersion, await migrator.CurrentVersionAsync());
    }

    [Fact]
    public async Task Migrate_NewerSchema_Refused()
    {
        var db = await MigratedAsync();
        await using (var connection = await db.OpenAsync())
        {
            await connection.ExecuteAsync("INSERT INTO updraft_schema (version, applied_at) VALUES (999, 0)");
        }

        var error = await Assert.ThrowsAsync<DatabaseException>(() => new Migrator(db, TimeProvider.System).MigrateAsync());
        Assert.Contains("is at schema version 999, newer than this Updraft knows", error.Message);
    }

    [Fact]
    public async Task Reset_DropsEverythingAndMigrates()
    {
        var db = await MigratedAsync();
        await new DagStore(db).SyncAsync([Serialized()], [], ["/dags/d.cs"], Now);
        await new Migrator(db, TimeProvider.System).ResetAsync();
        Assert.Empty(await new DagStore(db).ListAsync());
    }

    [Fact]
    public async Task Sync_NewDag_PausedAtCreationWithFirstVersion()
    {
        var store = new DagStore(await MigratedAsync());
        await store.SyncAsync([Serialized()], [], ["/dags/d.cs"], Now);
        var dag = await store.GetAsync("d");
        Assert.NotNull(dag);
        Assert.True(dag.IsPaused);
        Assert.True(dag.IsActive);
        Assert.Equal(1, dag.LatestVersion);
        Assert.Equal("@daily", (await store.GetSerializedAsync("d"))!.Value.Dag.ScheduleInterval);
    }

    [Fact]
    public async Task Sync_ChangedDagOnly_AddsVersionAndKeepsPauseState()
    {
        var store = new DagStore(await MigratedAsync());
        await store.SyncAsync([Serialized()], [], ["/dags/d.cs"], Now);
        await store.SetPausedAsync("d", false);
        await store.SyncAsync([Serialized()], [], ["/dags/d.cs"], Now);
        Assert.Equal(1, (await store.GetAsync("d"))!.LatestVersion);
        await store.SyncAsync([Serialized(bashCommand: "echo changed")], [], ["/dags/d.cs"], Now);
        var dag = (await store.GetAsync("d"))!;
        Assert.Equal(2, dag.LatestVersion);
        Assert.False(dag.IsPaused);
        Assert.Equal("echo changed", (await store.GetSerializedAsync("d"))!.Value.Dag.GetTask("b").TemplateFields["bash_command"]);
        Assert.Equal("echo hi", (await store.GetSerializedAsync("d", 1))!.Value.Dag.GetTask("b").TemplateFields["bash_command"]);
    }

    [Fact]
    public async Task Sync_DagRemovedFromFile_Deactivated_ImportErrorsReplaced()
    {
        var store = new DagStore(await MigratedAsync());
        await store.SyncAsync([Serialized()], [], ["/dags/d.cs"], Now);
        await store.SyncAsync([], [("/dags/d.cs", 3, "CS1002: ; expected")], ["/dags/d.cs"], Now);
        Assert.False((await store.GetAsync("d"))!.IsActive);
        Assert.Equal(("/dags/d.cs", 3, "CS1002: ; expected"), Assert.Single(await store.ImportErrorsAsync()));
        await store.SyncAsync([Serialized()], [], ["/dags/d.cs"], Now);
        Assert.Empty(await store.ImportErrorsAsync());
        Assert.True((await store.GetAsync("d"))!.IsActive);
    }

    [Fact]
    public async Task CreateRun_CreatesTaskInstancesWithSettings()
    {
        var db = await MigratedAsync();
        var run = await new DagRunStore(db).CreateAsync(Serialized(), 1, "manual__1", DagRunType.Manual, Info(1), new JsonObject { ["k"] = 1 }, DagRunState.Queued, Now);
        Assert.Equal("queued", run.State);
        Assert.Equal("{\"k\":1}", run.Conf);
        var tis = await new TaskInstanceStore(db).ListForRunAsync("d", "manual__1");
        Assert.Equal(["a", "b"], tis.Select(t => t.TaskId));
        Assert.All(tis, t => Assert.Equal("none", t.State));
        Assert.Equal(3, tis[0].MaxTries);
        Assert.Equal(2, tis[0].PriorityWeight);
    }

    [Fact]
    public async Task CreateRun_DuplicateRunId_Refused()
    {
        var runs = new DagRunStore(await MigratedAsync());
        await runs.CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Queued, Now);
        var error = await Assert.ThrowsAsync<DagRunExistsException>(() => runs.CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(2), null, DagRunState.Queued, Now));
        Assert.Equal("A DAG run with run id 'r' already exists for DAG 'd'.", error.Message);
    }

    [Fact]
    public async Task Runs_CountsLatestAutomatedAndGuardedTransitions()
    {
        var runs = new DagRunStore(await MigratedAsync());
        var scheduled = await runs.CreateAsync(Serialized(), 1, "scheduled__1", DagRunType.Scheduled, Info(1), null, DagRunState.Running, Now);
        await runs.CreateAsync(Serialized(), 1, "manual__5", DagRunType.Manual, Info(5), null, DagRunState.Queued, Now);
        Assert.Equal(2, (await runs.ActiveCountsAsync())["d"]);
        Assert.Equal(Info(1).DataInterval, await runs.LatestAutomatedIntervalAsync("d"));
        Assert.True(await runs.TransitionAsync(scheduled.Id, DagRunState.Running, DagRunState.Success, Now));
        Assert.False(await runs.TransitionAsync(scheduled.Id, DagRunState.Running, DagRunState.Failed, Now));
        Assert.Equal("success", (await runs.GetAsync("d", "scheduled__1"))!.State);
        Assert.Single(await runs.ListAsync("d", [DagRunState.Queued]));
    }

    [Fact]
    public async Task TaskInstances_LifecycleWithHistory()
    {
        var db = await MigratedAsync();
        await new DagRunStore(db).CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        var store = new TaskInstanceStore(db);
        var key = new TaskInstanceKey("d", "r", "a");
        Assert.Equal(0, await store.TransitionAsync([(key, "queued", "scheduled")], Now));
        Assert.Equal(1, await store.TransitionAsync([(key, "none", "scheduled")], Now));
        var queued = Assert.Single(await store.QueueAsync([key], "LocalExecutor", Now));
        Assert.Equal(1, queued.TryNumber);
        Assert.False(await store.StartAsync(key, 2, "host", 1, Now));
        Assert.True(await store.StartAsync(key, 1, "host", 42, Now));
        Assert.True(await store.FinishAsync(key, 1, "up_for_retry", Now.AddSeconds(2), Now.AddMinutes(5)));
        var row = (await store.GetAsync(key))!;
        Assert.Equal(("up_for_retry", 2.0, 42), (row.State, row.Duration!.Value, row.Pid!.Value));
        Assert.Equal(Micros.From(Now.AddMinutes(5)), row.NextRetryAt);
        await using var connection = await db.OpenAsync();
        Assert.Equal("up_for_retry", await connection.ExecuteScalarAsync<string>("SELECT state FROM task_instance_history WHERE task_id = 'a' AND try_number = 1"));
    }

    [Fact]
    public async Task Queue_ConcurrentCallers_EachRowQueuedOnce()
    {
        var db = await MigratedAsync();
        var serialized = Serialized();
        var runs = new DagRunStore(db);
        var store = new TaskInstanceStore(db);
        var keys = new List<TaskInstanceKey>();
        for (var i = 0; i < 20; i++)
        {
            await runs.CreateAsync(serialized, 1, $"r{i}", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
            keys.Add(new TaskInstanceKey("d", $"r{i}", "a"));
        }

        await store.TransitionAsync(keys.Select(k => (k, "none", "scheduled")).ToList(), Now);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => store.QueueAsync(keys, "LocalExecutor", Now))));
        var queued = results.SelectMany(r => r).Select(r => r.Key).ToList();
        Assert.Equal(20, queued.Count);
        Assert.Equal(20, queued.Distinct().Count());
    }

    [Fact]
    public async Task StaleRunning_FindsTasksWithoutRecentHeartbeat()
    {
        var db = await MigratedAsync();
        await new DagRunStore(db).CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        var store = new TaskInstanceStore(db);
        var key = new TaskInstanceKey("d", "r", "a");
        await store.TransitionAsync([(key, "none", "scheduled")], Now);
        await store.QueueAsync([key], "LocalExecutor", Now);
        await store.StartAsync(key, 1, "host", 1, Now);
        Assert.Empty(await store.StaleRunningAsync(Now.AddSeconds(-1)));
        Assert.Single(await store.StaleRunningAsync(Now.AddSeconds(1)));
        await store.HeartbeatAsync(key, Now.AddSeconds(10));
        Assert.Empty(await store.StaleRunningAsync(Now.AddSeconds(5)));
    }

    [Fact]
    public async Task XCom_SetOverwriteGet()
    {
        var xcom = new DatabaseXComStore(await MigratedAsync(), TimeProvider.System);
        var key = new XComKey("d", "r", "a", -1, "return_value");
        Assert.Null(await xcom.GetAsync(key));
        await xcom.SetAsync(key, "1");
        await xcom.SetAsync(key, "[1,2]");
        Assert.Equal("[1,2]", await xcom.GetAsync(key));
    }

    [Fact]
    public async Task Secrets_EncryptedAtRestReadBackAndRotated()
    {
        var db = await MigratedAsync();
        var oldKey = Core.Configuration.UpdraftConfig.GenerateFernetKey();
        var store = new SecretStore(db, new Core.Secrets.MultiFernet(oldKey), TimeProvider.System);
        await store.SetConnectionAsync(Core.Connections.Connection.FromUri("wh", "postgres://etl:Sup3rS3cret@db:5432/dw?sslmode=require"));
        await store.SetVariableAsync("api_key", "key-123456");
        await using (var connection = await db.OpenAsync())
        {
            var raw = await connection.QuerySingleAsync<(string Password, string Extra)>("SELECT password, extra FROM connection WHERE conn_id = 'wh'");
            Assert.DoesNotContain("Sup3rS3cret", raw.Password);
            Assert.DoesNotContain("sslmode", raw.Extra);
            Assert.DoesNotContain("key-123456", await connection.QuerySingleAsync<string>("SELECT val FROM variable"));
        }

        var conn = await ((Core.Runtime.IConnectionStore)store).GetAsync("wh");
        Assert.Equal(("Sup3rS3cret", "require"), (conn!.Password, conn.ExtraDejson["sslmode"]!.GetValue<string>()));

        var newKey = Core.Configuration.UpdraftConfig.GenerateFernetKey();
        Assert.Equal(3, await new SecretStore(db, new Core.Secrets.MultiFernet($"{newKey},{oldKey}"), TimeProvider.System).RotateAsync());
        var rotatedOnly = new SecretStore(db, new Core.Secrets.MultiFernet(newKey), TimeProvider.System);
        Assert.Equal("key-123456", await rotatedOnly.GetAsync("api_key"));
        Assert.Equal("Sup3rS3cret", (await ((Core.Runtime.IConnectionStore)rotatedOnly).GetAsync("wh"))!.Password);
        await Assert.ThrowsAsync<Core.Secrets.InvalidTokenException>(() => store.GetAsync("api_key"));
    }

    [Fact]
    public async Task DeleteDag_RemovesRunsAndTasks()
    {
        var db = await MigratedAsync();
        var dags = new DagStore(db);
        await dags.SyncAsync([Serialized()], [], ["/dags/d.cs"], Now);
        await new DagRunStore(db).CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        Assert.True(await dags.DeleteAsync("d"));
        Assert.Empty(await new TaskInstanceStore(db).ListForRunAsync("d", "r"));
        Assert.False(await dags.DeleteAsync("d"));
    }
}

public sealed class SqliteStoreTests : StoreComplianceTests, IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"updraft-store-{Guid.NewGuid():N}.db");

    protected override MetadataDatabase Database => MetadataDatabase.FromUri("sqlite:///" + _file);

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(_file + suffix);
        }
    }
}

[Collection(Updraft.Tests.Shared.PostgresCollection.Name)]
public sealed class PostgresStoreTests(Updraft.Tests.Shared.PostgresServer server) : StoreComplianceTests
{
    private readonly MetadataDatabase _database = MetadataDatabase.FromUri(server.CreateDatabase());

    protected override MetadataDatabase Database => _database;
}
