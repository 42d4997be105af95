using System.Text.Json.Nodes;
using Dapper;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.Timetables;
using Updraft.Tests.Shared;
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
        await new DagStore(db).SyncAsync([Serialized()], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        await new Migrator(db, TimeProvider.System).ResetAsync();
        Assert.Empty(await new DagStore(db).ListAsync());
    }

    [Fact]
    public async Task Sync_NewDag_PausedAtCreationWithFirstVersion()
    {
        var store = new DagStore(await MigratedAsync());
        await store.SyncAsync([Serialized()], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
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
        await store.SyncAsync([Serialized()], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        await store.SetPausedAsync("d", false);
        await store.SyncAsync([Serialized()], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        Assert.Equal(1, (await store.GetAsync("d"))!.LatestVersion);
        await store.SyncAsync([Serialized(bashCommand: "echo changed")], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
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
        await store.SyncAsync([Serialized()], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        await store.SyncAsync([], [("/dags/d.cs", 3, "CS1002: ; expected")], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        Assert.False((await store.GetAsync("d"))!.IsActive);
        Assert.Equal(("/dags/d.cs", 3, "CS1002: ; expected"), Assert.Single(await store.ImportErrorsAsync()));
        await store.SyncAsync([Serialized()], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        Assert.Empty(await store.ImportErrorsAsync());
        Assert.True((await store.GetAsync("d"))!.IsActive);
    }

    [Fact]
    public async Task CreateRun_CreatesTaskInstancesWithSettings()
    {
        var db = await MigratedAsync();
        var run = await new DagRunStore(db).CreateAsync(Serialized(), 1, "manual__1", DagRunType.Manual, Info(1), new JsonObject { ["k"] = 1 }, DagRunState.Queued, Now);
        Assert.Equal("queued", run.State.ToWireName());
        Assert.Equal("{\"k\":1}", run.Conf);
        var tis = await new TaskInstanceStore(db).ListForRunAsync("d", "manual__1");
        Assert.Equal(["a", "b"], tis.Select(t => t.TaskId));
        Assert.All(tis, t => Assert.Equal("none", t.State.ToWireName()));
        Assert.Equal(3, tis[0].MaxTries);
        Assert.Equal(2, tis[0].PriorityWeight);
    }

    [Fact]
    public async Task StartableQueued_SkipsFullGroupsAndPausedDags_SoNoneStarves()
    {
        var db = await MigratedAsync();
        await new DagStore(db).SyncAsync([Serialized("full", paused: false), Serialized("other", paused: false), Serialized("asleep", paused: true)], [], ["/dags/full.cs", "/dags/other.cs", "/dags/asleep.cs"], TestTriggerKwargs.Cipher, Now);
        await using (var connection = await db.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE dag SET max_active_runs = 1 WHERE dag_id = 'full'");
        }

        var runs = new DagRunStore(db);
        await runs.CreateAsync(Serialized("full"), 1, "running", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        for (var i = 2; i <= 4; i++)
        {
            await runs.CreateAsync(Serialized("full"), 1, $"waiting_{i}", DagRunType.Manual, Info(i), null, DagRunState.Queued, Now);
        }

        await runs.CreateAsync(Serialized("asleep"), 1, "paused_dag", DagRunType.Manual, Info(1), null, DagRunState.Queued, Now);
        var other = await runs.CreateAsync(Serialized("other"), 1, "ready", DagRunType.Manual, Info(9), null, DagRunState.Queued, Now);

        // A page of one: the full DAG's queued runs, queued earlier, do not take it.
        Assert.Equal([other.Id], (await runs.StartableQueuedAsync(1)).Select(r => r.Id));
    }

    [Fact]
    public async Task StartQueued_ManyStartersAtOnce_NeverExceedTheLimit()
    {
        var db = await MigratedAsync();
        var runs = new DagRunStore(db);
        var queued = new List<DagRunRecord>();
        for (var i = 1; i <= 12; i++)
        {
            queued.Add(await runs.CreateAsync(Serialized(), 1, $"manual__{i}", DagRunType.Manual, Info(i), null, DagRunState.Queued, Now));
        }

        // Six schedulers start the same candidates at once against a limit of 3 (each store opens its own connections).
        // On PostgreSQL the first run's row is held meanwhile, so that every starter has counted the running runs
        // before any can start one: without the start lock each would then go on to start three of its own.
        await using var holder = await db.OpenAsync();
        await using var hold = db.Dialect == SqlDialect.Postgres ? await holder.BeginTransactionAsync() : null;
        if (hold is not null)
        {
            await holder.ExecuteAsync("SELECT id FROM dag_run WHERE id = @Id FOR UPDATE", new { queued[0].Id }, hold);
        }

        var starting = Enumerable.Range(0, 6).Select(_ => Task.Run(() => new DagRunStore(db).StartQueuedAsync(queued, _ => 3, Now))).ToList();
        if (hold is not null)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
            await hold.CommitAsync();
        }

        var started = await Task.WhenAll(starting);
        Assert.Equal(3, started.Sum(s => s.Count));
        Assert.Equal(3, (await runs.ActiveCountsAsync(runningOnly: true))["d"]);

        // The first in the given order are the ones started, and a later call starts none while three run.
        Assert.Equal(queued.Take(3).Select(r => r.Id).Order(), started.SelectMany(s => s).Select(r => r.Id).Order());
        Assert.Empty(await runs.StartQueuedAsync(queued, _ => 3, Now));
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
        Assert.Equal("success", (await runs.GetAsync("d", "scheduled__1"))!.State.ToWireName());
        Assert.Single(await runs.ListAsync("d", [DagRunState.Queued]));
    }

    [Fact]
    public async Task TaskInstances_LifecycleWithHistory()
    {
        var db = await MigratedAsync();
        await new DagRunStore(db).CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        var store = new TaskInstanceStore(db);
        var key = new TaskInstanceKey("d", "r", "a");
        Assert.Equal(0, await store.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.Queued, TaskInstanceState.Scheduled)], Now));
        Assert.Equal(1, await store.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.None, TaskInstanceState.Scheduled)], Now));
        var queued = Assert.Single(await db.QueueAsync([key], Now));
        Assert.Equal(1, queued.TryNumber);
        Assert.False(await store.StartAsync(key, 2, "host", 1, Now));
        Assert.True(await store.StartAsync(key, 1, "host", 42, Now));
        Assert.True(await store.FinishAsync(key, 1, TaskInstanceState.UpForRetry, Now.AddSeconds(2), Now.AddMinutes(5)));
        var row = (await store.GetAsync(key))!;
        Assert.Equal(("up_for_retry", 2.0, 42), (row.State.ToWireName(), row.Duration!.Value, row.Pid!.Value));
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

        await store.TransitionAsync(keys.Select(k => new TaskInstanceChange(k, TaskInstanceState.None, TaskInstanceState.Scheduled)).ToList(), Now);
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => db.QueueAsync(keys, Now))));
        var queued = results.SelectMany(r => r).Select(r => r.Key).ToList();
        Assert.Equal(20, queued.Count);
        Assert.Equal(20, queued.Distinct().Count());
    }

    private async Task<(MetadataDatabase Db, TaskInstanceStore Store, TaskInstanceKey Key)> RunningTryAsync()
    {
        var db = await MigratedAsync();
        await new DagRunStore(db).CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        var store = new TaskInstanceStore(db);
        var key = new TaskInstanceKey("d", "r", "a");
        await store.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.None, TaskInstanceState.Scheduled)], Now);
        await db.QueueAsync([key], Now);
        Assert.True(await store.StartAsync(key, 1, "host", 42, Now));
        return (db, store, key);
    }

    [Fact]
    public async Task StaleTry_AfterItsRetryStarted_StateXComAndHeartbeatRefused()
    {
        var (db, store, key) = await RunningTryAsync();

        // Try 1 is declared lost (as by the zombie check), retried, and try 2 starts elsewhere.
        Assert.True(await store.FinishAsync(key, 1, TaskInstanceState.UpForRetry, Now.AddMinutes(6), Now.AddMinutes(6)));
        await store.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.UpForRetry, TaskInstanceState.Scheduled)], Now.AddMinutes(6));
        Assert.Equal(2, Assert.Single(await db.QueueAsync([key], Now.AddMinutes(6))).TryNumber);
        Assert.True(await store.StartAsync(key, 2, "other-host", 7, Now.AddMinutes(6)));

        // Try 1 wakes up and tries to write.
        Assert.False(await store.HeartbeatAsync(key, 1, Now.AddMinutes(7)));
        var xcom = new DatabaseXComStore(db, TimeProvider.System, writerTry: 1);
        var refused = await Assert.ThrowsAsync<TryNotOwnedException>(() => xcom.SetAsync(new XComKey("d", "r", "a", -1, "return_value"), "1"));
        Assert.Contains("try 1 no longer owns the task instance", refused.Message);
        Assert.False(await store.FinishAsync(key, 1, TaskInstanceState.Success, Now.AddMinutes(7)));

        var row = (await store.GetAsync(key))!;
        Assert.Equal((TaskInstanceState.Running, 2, 7, "other-host"), (row.State, row.TryNumber, row.Pid!.Value, row.Hostname));
        Assert.Null(await xcom.GetAsync(new XComKey("d", "r", "a", -1, "return_value")));
        Assert.True(await store.HeartbeatAsync(key, 2, Now.AddMinutes(7)));
        await new DatabaseXComStore(db, TimeProvider.System, writerTry: 2).SetAsync(new XComKey("d", "r", "a", -1, "return_value"), "2");
        Assert.Equal("2", await xcom.GetAsync(new XComKey("d", "r", "a", -1, "return_value")));
    }

    [Fact]
    public async Task Queue_NewTry_CarriesNothingOfThePreviousTrysProcess()
    {
        var (db, store, key) = await RunningTryAsync();
        Assert.True(await store.FinishAsync(key, 1, TaskInstanceState.UpForRetry, Now.AddSeconds(5), Now));
        await store.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.UpForRetry, TaskInstanceState.Scheduled)], Now);

        var queued = Assert.Single(await db.QueueAsync([key], Now.AddSeconds(6)));

        Assert.Equal((2, null, null, null, null), (queued.TryNumber, queued.Pid, queued.Hostname, queued.StartDate, queued.EndDate));
    }

    [Fact]
    public async Task Clear_RunningTry_RestartingUntilItsTryEndsThenNone()
    {
        var (db, store, key) = await RunningTryAsync();

        Assert.Equal([key], await store.ClearAsync([(key, 0)]));
        Assert.Equal(TaskInstanceState.Restarting, (await store.GetAsync(key))!.State);
        Assert.False(await store.HeartbeatAsync(key, 1, Now.AddSeconds(1)));

        // The try ends (its worker reports success): the row goes back to none, to run again with a fresh budget.
        Assert.True(await store.FinishAsync(key, 1, TaskInstanceState.Success, Now.AddSeconds(2)));
        var row = (await store.GetAsync(key))!;
        Assert.Equal((TaskInstanceState.None, 1, 2), (row.State, row.TryNumber, row.MaxTries));
        await using var connection = await db.OpenAsync();
        Assert.Equal("success", await connection.ExecuteScalarAsync<string>("SELECT state FROM task_instance_history WHERE task_id = 'a' AND try_number = 1"));
    }

    [Fact]
    public async Task Transition_MoveTheLifecycleRefuses_ThrowsAndWritesNothing()
    {
        var (_, store, key) = await RunningTryAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() =>
            store.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.Running, TaskInstanceState.Scheduled)], Now));

        Assert.Equal("A task instance may not move from running to scheduled.", error.Message);
        Assert.Equal(TaskInstanceState.Running, (await store.GetAsync(key))!.State);
    }

    [Fact]
    public async Task Admit_ConcurrentSchedulers_NeverMoreThanThePoolsSlots()
    {
        var db = await MigratedAsync();
        var runs = new DagRunStore(db);
        var store = new TaskInstanceStore(db);
        await new PoolStore(db).SetAsync("narrow", 2, null);
        var serialized = Serialized() with { Tasks = [.. Serialized().Tasks.Select(t => t with { Pool = "narrow" })] };
        var keys = new List<TaskInstanceKey>();
        for (var i = 0; i < 12; i++)
        {
            await runs.CreateAsync(serialized, 1, $"r{i}", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
            keys.Add(new TaskInstanceKey("d", $"r{i}", "a"));
        }

        await store.TransitionAsync([.. keys.Select(k => new TaskInstanceChange(k, TaskInstanceState.None, TaskInstanceState.Scheduled))], Now);
        var admission = new AdmissionStore(db);

        // Four schedulers admit at once, each choosing by the pool usage it read, as the scheduler does, and each
        // from different candidates, so that only the admission lock (not a race for the same rows) keeps the limit.
        // Each waits (up to a second) for the others to have read too, which they can only do if nothing serialises them.
        var arrived = 0;
        var allRead = new TaskCompletionSource();
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => admission.AdmitAsync(100, async snapshot =>
        {
            if (Interlocked.Increment(ref arrived) == 4)
            {
                allRead.SetResult();
            }

            await Task.WhenAny(allRead.Task, Task.Delay(TimeSpan.FromSeconds(1)));
            var free = snapshot.PoolSlots["narrow"] - snapshot.PoolSlotsUsed.GetValueOrDefault("narrow");
            return (IReadOnlyList<(TaskInstanceKey, string)>)[.. snapshot.Candidates.Skip(i * 3).Take(Math.Max(free, 0)).Select(c => (c.Key, "LocalExecutor"))];
        }, Now))));

        Assert.Equal(2, results.Sum(r => r.Count));
        Assert.Equal(2, (await store.ActiveAsync()).Count);
    }

    [Fact]
    public async Task Pool_IncludeDeferred_RoundTripsAndOnlyThenDeferredHoldSlots()
    {
        var db = await MigratedAsync();
        var pools = new PoolStore(db);
        Assert.False((await pools.ListAsync()).Single(p => p.Pool == PoolStore.DefaultPool).IncludeDeferred);
        await pools.SetAsync("narrow", 2, "two at once", includeDeferred: true);
        Assert.Equal(("two at once", true), (await pools.ListAsync()).Where(p => p.Pool == "narrow").Select(p => (p.Description, p.IncludeDeferred)).Single());
        await pools.ImportAsync([new PoolSpec("narrow", 2, null), new PoolSpec("wide", 5, null, IncludeDeferred: true)]);
        Assert.Equal([false, false, true], (await pools.ListAsync()).Select(p => p.IncludeDeferred));
        await pools.SetAsync("narrow", 2, null, includeDeferred: true);

        // Three task instances of the pool: two run and defer, the third is scheduled.
        var runs = new DagRunStore(db);
        var store = new TaskInstanceStore(db);
        var serialized = Serialized() with { Tasks = [.. Serialized().Tasks.Select(t => t with { Pool = "narrow" })] };
        var keys = new List<TaskInstanceKey>();
        for (var i = 0; i < 3; i++)
        {
            await runs.CreateAsync(serialized, 1, $"r{i}", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
            keys.Add(new TaskInstanceKey("d", $"r{i}", "a"));
        }

        await store.TransitionAsync([.. keys.Select(k => new TaskInstanceChange(k, TaskInstanceState.None, TaskInstanceState.Scheduled))], Now);
        await db.QueueAsync(keys[..2], Now);
        foreach (var key in keys[..2])
        {
            Assert.True(await store.StartAsync(key, 1, "host", 42, Now));
            Assert.Equal(TaskInstanceState.Deferred, await new TriggerStore(db).DeferAsync(key, 1, new TriggerDeferral("DateTimeTrigger", "{}", "execute_complete", null, null), TestTriggerKwargs.Cipher, Now));
        }

        // And one of the default pool, so that admission always has a candidate to offer.
        await runs.CreateAsync(Serialized("other"), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        await store.TransitionAsync([new TaskInstanceChange(new TaskInstanceKey("other", "r", "a"), TaskInstanceState.None, TaskInstanceState.Scheduled)], Now);

        var narrow = (await pools.ListAsync()).Single(p => p.Pool == "narrow");
        Assert.Equal((0, 0, 1, 2, 2, 0), (narrow.Running, narrow.Queued, narrow.Scheduled, narrow.Deferred, narrow.Occupied, narrow.Open));

        // Admission takes of the pool's candidates what the snapshot leaves free, as the scheduler does.
        var admission = new AdmissionStore(db);
        IReadOnlyDictionary<string, int> used = new Dictionary<string, int>();
        Task<IReadOnlyList<TaskInstanceRecord>> AdmitAsync() => admission.AdmitAsync(100, snapshot =>
        {
            used = snapshot.PoolSlotsUsed;
            var free = snapshot.PoolSlots["narrow"] - snapshot.PoolSlotsUsed.GetValueOrDefault("narrow");
            return ValueTask.FromResult<IReadOnlyList<(TaskInstanceKey, string)>>([.. snapshot.Candidates.Where(c => c.Pool == "narrow").Take(Math.Max(free, 0)).Select(c => (c.Key, "LocalExecutor"))]);
        }, Now);

        Assert.Empty(await AdmitAsync());
        Assert.Equal(2, used["narrow"]);

        // Without include_deferred the deferred ones free their slots: the third is queued.
        await pools.SetAsync("narrow", 2, null, includeDeferred: false);
        narrow = (await pools.ListAsync()).Single(p => p.Pool == "narrow");
        Assert.Equal((2, 0, 2), (narrow.Deferred, narrow.Occupied, narrow.Open));
        Assert.Equal(keys[2], Assert.Single(await AdmitAsync()).Key);
        Assert.Equal(0, used.GetValueOrDefault("narrow"));
    }

    [Fact]
    public async Task Admit_FullPool_CandidatesOfOtherPoolsStillOffered()
    {
        var db = await MigratedAsync();
        var runs = new DagRunStore(db);
        var store = new TaskInstanceStore(db);
        await new PoolStore(db).SetAsync("full", 0, null);
        var full = Serialized("busy") with { Tasks = [.. Serialized("busy").Tasks.Select(t => t with { Pool = "full", PriorityWeightTotal = 100 })] };
        for (var i = 0; i < 5; i++)
        {
            await runs.CreateAsync(full, 1, $"r{i}", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
            await store.TransitionAsync([new TaskInstanceChange(new TaskInstanceKey("busy", $"r{i}", "a"), TaskInstanceState.None, TaskInstanceState.Scheduled)], Now);
        }

        await runs.CreateAsync(Serialized("other"), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        await store.TransitionAsync([new TaskInstanceChange(new TaskInstanceKey("other", "r", "a"), TaskInstanceState.None, TaskInstanceState.Scheduled)], Now);
        IReadOnlyList<AdmissionCandidate> offered = [];

        // Only 2 candidates per pass: the 5 higher-priority ones of the full pool must not take both places.
        await new AdmissionStore(db).AdmitAsync(2, snapshot =>
        {
            offered = snapshot.Candidates;
            return ValueTask.FromResult<IReadOnlyList<(TaskInstanceKey, string)>>([]);
        }, Now);

        Assert.Contains(offered, c => c.DagId == "other");
    }

    [Fact]
    public async Task CreateRun_ConcurrentCreatorsOfOneRunId_OneCreatedTheRestToldItExists()
    {
        var runs = new DagRunStore(await MigratedAsync());

        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            try
            {
                await runs.CreateAsync(Serialized(), 1, "scheduled__1", DagRunType.Scheduled, Info(1), null, DagRunState.Running, Now);
                return "created";
            }
            catch (DagRunExistsException)
            {
                return "exists";
            }
        })));

        Assert.Equal(["created", "exists", "exists", "exists"], attempts.Order());
        Assert.Single(await runs.ListAsync("d"));
    }

    [Fact]
    public async Task FinishRun_FlaggedSinceItWasClaimed_LeftRunningForTheNextPass()
    {
        var db = await MigratedAsync();
        var runs = new DagRunStore(db);
        var run = await runs.CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Queued, Now);
        await runs.TransitionAsync(run.Id, DagRunState.Queued, DagRunState.Running, Now);
        Assert.Single(await runs.ClaimForEvaluationAsync(10));

        // Between the evaluation and the finish, someone clears a finished task of the run.
        var tasks = new TaskInstanceStore(db);
        var key = new TaskInstanceKey("d", "r", "a");
        await tasks.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.None, TaskInstanceState.Success)], Now);
        Assert.Equal([key], await tasks.ClearAsync([(key, 0)]));

        Assert.False(await runs.TransitionAsync(run.Id, DagRunState.Running, DagRunState.Success, Now, unlessFlagged: true));
        Assert.Equal(DagRunState.Running, (await runs.GetAsync("d", "r"))!.State);
        Assert.Single(await runs.ClaimForEvaluationAsync(10));
        Assert.True(await runs.TransitionAsync(run.Id, DagRunState.Running, DagRunState.Success, Now, unlessFlagged: true));
    }

    [Fact]
    public async Task DagCode_StoredOncePerHash_ReadBackByteForByte()
    {
        var store = new DagCodeStore(await MigratedAsync());
        var content = System.Text.Encoding.UTF8.GetBytes("public sealed class D : IDagSource { /* é */ }");
        var code = new DagCode("abc123", "/dags/d.cs", content);

        Assert.Equal(1, await store.SaveAsync([code, code], Now));
        Assert.Equal(0, await store.SaveAsync([code with { Fileloc = "/dags/moved.cs" }], Now));

        var read = (await store.GetAsync("abc123"))!;
        Assert.Equal("/dags/d.cs", read.Fileloc);
        Assert.Equal(content, read.Content);
        Assert.Null(await store.GetAsync("missing"));
    }

    [Fact]
    public async Task StaleRunning_FindsTasksWithoutRecentHeartbeat()
    {
        var db = await MigratedAsync();
        await new DagRunStore(db).CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        var store = new TaskInstanceStore(db);
        var key = new TaskInstanceKey("d", "r", "a");
        await store.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.None, TaskInstanceState.Scheduled)], Now);
        await db.QueueAsync([key], Now);
        await store.StartAsync(key, 1, "host", 1, Now);
        Assert.Empty(await store.StaleRunningAsync(Now.AddSeconds(-1)));
        Assert.Single(await store.StaleRunningAsync(Now.AddSeconds(1)));
        await store.HeartbeatAsync(key, 1, Now.AddSeconds(10));
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
    public async Task TriggerKwargs_EncryptedAtRest_PlainRowsFromBeforeStillRead_AndRotatedWithTheSecrets()
    {
        var db = await MigratedAsync();
        var oldKey = Core.Configuration.UpdraftConfig.GenerateFernetKey();
        var old = new TriggerKwargsCipher(new Core.Secrets.MultiFernet(oldKey), TimeProvider.System);
        const string Encrypted = """{"headers":{"Authorization":"Bearer tok-Very-Private"}}""";
        const string Plain = """{"secret_connection_id":"legacy_hook"}""";
        await using (var connection = await db.OpenAsync())
        {
            await connection.ExecuteAsync(
                "INSERT INTO triggers (classpath, kwargs, created_date) VALUES (@Classpath, @Kwargs, 0)",
                new[] { new { Classpath = "encrypted", Kwargs = old.Encrypt(Encrypted) }, new { Classpath = "plain", Kwargs = Plain } });
        }

        async Task<Dictionary<string, string>> StoredAsync()
        {
            await using var connection = await db.OpenAsync();
            return (await connection.QueryAsync<(string Classpath, string Kwargs)>("SELECT classpath, kwargs FROM triggers")).ToDictionary(t => t.Classpath, t => t.Kwargs);
        }

        async Task<Dictionary<string, string>> LoadedAsync(TriggerKwargsCipher cipher)
        {
            await using var connection = await db.OpenAsync();
            var ids = (await connection.QueryAsync<long>("SELECT id FROM triggers")).ToList();
            return (await new TriggerStore(db).GetManyAsync(ids, cipher)).ToDictionary(t => t.Classpath, t => t.Kwargs);
        }

        var stored = await StoredAsync();
        Assert.DoesNotContain("tok-Very-Private", stored["encrypted"], StringComparison.Ordinal);
        Assert.Equal(Plain, stored["plain"]);
        Assert.Equal(new Dictionary<string, string> { ["encrypted"] = Encrypted, ["plain"] = Plain }, await LoadedAsync(old));

        // Rotation re-encrypts both (the plain one too) with the new key, with the connections and variables.
        var newKey = Core.Configuration.UpdraftConfig.GenerateFernetKey();
        await new SecretStore(db, new Core.Secrets.MultiFernet(oldKey), TimeProvider.System).SetVariableAsync("api_key", "key-123456");
        Assert.Equal(3, await new SecretStore(db, new Core.Secrets.MultiFernet($"{newKey},{oldKey}"), TimeProvider.System).RotateAsync());
        stored = await StoredAsync();
        Assert.All(stored.Values, kwargs => Assert.DoesNotContain("Private", kwargs, StringComparison.Ordinal));
        Assert.DoesNotContain("legacy_hook", stored["plain"], StringComparison.Ordinal);
        var newOnly = new TriggerKwargsCipher(new Core.Secrets.MultiFernet(newKey), TimeProvider.System);
        Assert.Equal(new Dictionary<string, string> { ["encrypted"] = Encrypted, ["plain"] = Plain }, await LoadedAsync(newOnly));
        Assert.All(stored.Values, kwargs => Assert.Throws<Core.Secrets.InvalidTokenException>(() => old.Decrypt(kwargs)));
    }

    [Fact]
    public async Task Imports_BadEntry_NothingWritten()
    {
        var db = await MigratedAsync();
        var pools = new PoolStore(db);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => pools.ImportAsync([new PoolSpec("etl", 3, null), new PoolSpec("", 2, null)]));
        Assert.Equal("A pool name must not be empty.", error.Message);
        await Assert.ThrowsAsync<ArgumentException>(() => pools.ImportAsync([new PoolSpec("etl", 3, null), new PoolSpec("b", -1, null)]));
        Assert.Equal([PoolStore.DefaultPool], (await pools.ListAsync()).Select(p => p.Pool));
        await pools.ImportAsync([new PoolSpec("etl", 3, null), new PoolSpec("b", 1, "two")]);
        Assert.Equal([("b", 1), ("default_pool", 128), ("etl", 3)], (await pools.ListAsync()).Select(p => (p.Pool, p.Slots)));

        var store = new SecretStore(db, new Core.Secrets.MultiFernet(Core.Configuration.UpdraftConfig.GenerateFernetKey()), TimeProvider.System);
        await Assert.ThrowsAsync<ArgumentException>(() => store.ImportVariablesAsync([("a", "1", null), (" ", "2", null)]));
        await Assert.ThrowsAsync<ArgumentException>(() => store.SetVariableAsync("", "x"));
        Assert.Empty(await store.ListVariablesAsync());

        var good = new Core.Connections.Connection("wh", "postgres") { Host = "db", Password = "pw" };
        await Assert.ThrowsAsync<ArgumentException>(() => store.ImportConnectionsAsync([good, new Core.Connections.Connection("bad id", "http")], overwrite: false));
        await Assert.ThrowsAsync<ArgumentException>(() => store.ImportConnectionsAsync([good, new Core.Connections.Connection("p", "http") { Port = 70000 }], overwrite: false));
        Assert.Empty(await store.ListConnectionsAsync());

        Assert.Equal((1, 0), await store.ImportConnectionsAsync([good], overwrite: false));
        Assert.Equal((1, 1), await store.ImportConnectionsAsync([Moved(good), new Core.Connections.Connection("api", "http")], overwrite: false));
        Assert.Equal("db", (await store.ListConnectionsAsync("wh")).Single().Host);
        Assert.Equal((1, 0), await store.ImportConnectionsAsync([Moved(good)], overwrite: true));
        Assert.Equal("other", (await store.ListConnectionsAsync("wh")).Single().Host);
    }

    private static Core.Connections.Connection Moved(Core.Connections.Connection c) => new(c.ConnId, c.ConnType) { Host = "other", Password = c.Password };

    [Fact]
    public async Task CreateRun_BadRunId_Refused()
    {
        var db = await MigratedAsync();
        await new DagStore(db).SyncAsync([Serialized()], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        var error = await Assert.ThrowsAsync<ArgumentException>(() => new DagRunStore(db).CreateAsync(Serialized(), 1, "my run", DagRunType.Manual, Info(1), null, DagRunState.Running, Now));
        Assert.Contains("Run id 'my run' is not allowed", error.Message);
        Assert.Empty(await new DagRunStore(db).ListAsync("d", null, 10));
    }

    [Fact]
    public async Task Jobs_TriesOfAnEndedJobAreOrphans_OfARunningOneAreNot()
    {
        var db = await MigratedAsync();
        var jobs = new JobStore(db);
        var dead = await jobs.StartAsync("SchedulerJob", "h1", 11, Now);
        var alive = await jobs.StartAsync("SchedulerJob", "h2", 22, Now);
        Assert.NotEqual(dead, alive);
        Assert.Equal([alive], (await jobs.RunningAsync("SchedulerJob", dead)).Select(j => j.Id));

        await new DagStore(db).SyncAsync([Serialized("d", paused: false)], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        var run = await new DagRunStore(db).CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        var (a, b) = (new TaskInstanceKey("d", "r", "a"), new TaskInstanceKey("d", "r", "b"));
        var tasks = new TaskInstanceStore(db);
        await tasks.TransitionAsync([new TaskInstanceChange(a, TaskInstanceState.None, TaskInstanceState.Scheduled), new TaskInstanceChange(b, TaskInstanceState.None, TaskInstanceState.Scheduled)], Now);
        var admission = new AdmissionStore(db);
        await admission.AdmitAsync(10, _ => ValueTask.FromResult<IReadOnlyList<(TaskInstanceKey, string)>>([(a, "LocalExecutor")]), Now, dead);
        await admission.AdmitAsync(10, _ => ValueTask.FromResult<IReadOnlyList<(TaskInstanceKey, string)>>([(b, "LocalExecutor")]), Now, alive);
        Assert.True(await tasks.StartAsync(a, 1, "h1", 100, Now));
        Assert.Empty(await jobs.OrphanedTaskInstancesAsync());

        await jobs.EndAsync(dead, "failed", Now);
        Assert.False(await jobs.HeartbeatAsync(dead, Now));
        Assert.True(await jobs.HeartbeatAsync(alive, Now));
        var orphan = Assert.Single(await jobs.OrphanedTaskInstancesAsync());
        Assert.Equal((a, TaskInstanceState.Running), (orphan.Key, orphan.State));

        // A queued orphan goes back to scheduled with its try not counted.
        await jobs.EndAsync(alive, "success", Now);
        var queued = Assert.Single(await jobs.OrphanedTaskInstancesAsync(), t => t.State == TaskInstanceState.Queued);
        Assert.True(await tasks.RequeueAsync(queued.Key, queued.TryNumber));
        Assert.Equal((TaskInstanceState.Scheduled, 0), ((await tasks.GetAsync(b))!.State, (await tasks.GetAsync(b))!.TryNumber));
        Assert.False(await tasks.RequeueAsync(a, 1));
        _ = run;
    }

    [Fact]
    public async Task DeleteDag_RemovesRunsAndTasks()
    {
        var db = await MigratedAsync();
        var dags = new DagStore(db);
        await dags.SyncAsync([Serialized()], [], ["/dags/d.cs"], TestTriggerKwargs.Cipher, Now);
        await new DagRunStore(db).CreateAsync(Serialized(), 1, "r", DagRunType.Manual, Info(1), null, DagRunState.Running, Now);
        Assert.True(await dags.DeleteAsync("d"));
        Assert.Empty(await new TaskInstanceStore(db).ListForRunAsync("d", "r"));
        Assert.False(await dags.DeleteAsync("d"));
    }
}

public sealed class SqliteStoreTests : StoreComplianceTests, IDisposable
{
    private readonly Updraft.Tests.Shared.SqliteTestFile _file = new("updraft-store");

    protected override MetadataDatabase Database => MetadataDatabase.FromUri(_file.Uri);

    public void Dispose() => _file.Dispose();
}

[Collection(Updraft.Tests.Shared.PostgresCollection.Name)]
public sealed class PostgresStoreTests(Updraft.Tests.Shared.PostgresServer server) : StoreComplianceTests
{
    private readonly MetadataDatabase _database = MetadataDatabase.FromUri(server.CreateDatabase());

    protected override MetadataDatabase Database => _database;
}

[Collection(Updraft.Tests.Shared.MariaDbCollection.Name)]
public sealed class MariaDbStoreTests(Updraft.Tests.Shared.MariaDbServer server) : StoreComplianceTests
{
    private readonly MetadataDatabase _database = MetadataDatabase.FromUri(server.CreateDatabase());

    protected override MetadataDatabase Database => _database;
}
