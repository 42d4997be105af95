using System.Text.Json.Nodes;
using Dapper;
using Updraft.Core.States;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// Data-aware scheduling through the whole orchestrator: outlets record events in worker processes, the scheduler
/// starts the DAGs whose asset condition holds, and their runs carry the events; SQLite and PostgreSQL.
/// </summary>
public abstract class AssetTests
{
    protected abstract string? DatabaseUri();

    private const string Assets = """
        public static class Data
        {
            public static readonly Asset Orders = new("orders", "s3://lake/orders.parquet");
            public static readonly Asset Customers = new("customers", "s3://lake/customers.parquet");
        }

        """;

    private static string Source(string dagId, string body, string settings = "", string schedule = "null") => Assets + $$"""
        public sealed class Source_{{dagId}} : IDagSource
        {
            public IEnumerable<Dag> Build()
            {
                var dag = new Dag("{{dagId}}", schedule: {{schedule}}, startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)) { {{settings}} };
                {{body}}
                yield return dag;
            }
        }
        """;

    private async Task<Orchestra> NewAsync()
    {
        var o = await Orchestra.CreateAsync(DatabaseUri());
        o.WriteDag("orders.cs", Source("export_orders", """
            dag.Task("export", ctx => { ctx.OutletEvents[Data.Orders]["rows"] = 3; }).With(t => t.Outlets = [Data.Orders]);
            """).Replace("public static class Data", "public static class DataO", StringComparison.Ordinal).Replace("Data.", "DataO.", StringComparison.Ordinal));
        o.WriteDag("customers.cs", Source("export_customers", """
            dag.Task("export", ctx => { }).With(t => t.Outlets = [Data.Customers]);
            dag.Task("fails", ctx => throw new InvalidOperationException("no")).With(t => { t.Outlets = [Data.Orders]; t.Retries = 0; });
            """).Replace("public static class Data", "public static class DataC", StringComparison.Ordinal).Replace("Data.", "DataC.", StringComparison.Ordinal));
        return o;
    }

    [Fact]
    public async Task AConsumerOfAllItsAssets_RunsOnlyOnceEachWasUpdated_AndItsRunCarriesTheEventsThatStartedIt()
    {
        await using var o = await NewAsync();
        o.WriteDag("consumer.cs", Source("consumer", """
            dag.Task("report", ctx =>
            {
                foreach (var e in ctx.TriggeringAssetEvents)
                {
                    ctx.Log.Info($"event of {e.AssetName} from {e.SourceDagId}.{e.SourceTaskId} extra {e.Extra.ToJsonString()}");
                }

                return ctx.TriggeringAssetEvents.Count;
            });
            """, schedule: "Data.Orders & Data.Customers"));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();

        var orders = await o.TriggerAsync("export_orders");
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal("success", await o.RunStateAsync("export_orders", orders.RunId));
        Assert.Empty(await RunsAsync(o, "consumer"));

        // The producer of customers also has a task updating orders that fails: a failure records no event.
        var customers = await o.TriggerAsync("export_customers");
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal("failed", await o.RunStateAsync("export_customers", customers.RunId));

        var run = Assert.Single(await RunsAsync(o, "consumer"));
        Assert.Equal(("dataset_triggered", "success"), (run.RunType, run.State.ToWireName()));
        Assert.StartsWith("asset_triggered__", run.RunId, StringComparison.Ordinal);
        var xcom = await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("consumer", run.RunId, "report", -1, "return_value"));
        Assert.Equal("2", xcom);
        var log = o.ReadLog("consumer", run.RunId, "report", 1);
        Assert.Contains("event of orders from export_orders.export extra {\"rows\":3}", log);
        Assert.Contains("event of customers from export_customers.export extra {}", log);

        await using var connection = await o.Database.OpenAsync();
        Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM asset_dag_run_queue"));
        Assert.Equal(2, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM asset_event"));

        // Nothing new: no second run.
        await o.RunToCompletionAsync(engine, executor);
        Assert.Single(await RunsAsync(o, "consumer"));
    }

    [Fact]
    public async Task AConsumerOfAnyAsset_RunsOnEitherUpdate_AnAssetOrTimeDagToo_AndAPausedConsumerIsNotQueued()
    {
        await using var o = await NewAsync();
        o.WriteDag("either.cs", Source("either", "dag.Task(\"work\", ctx => ctx.TriggeringAssetEvents.Count);", schedule: "Data.Orders | Data.Customers"));
        o.WriteDag("timely.cs", Source("timely", "dag.Task(\"work\", ctx => ctx.TriggeringAssetEvents.Count);", "Catchup = false", "Schedule.AssetOrTime(\"@daily\", Data.Customers)"));
        o.WriteDag("paused.cs", Source("paused", "dag.Empty(\"work\");", "IsPausedUponCreation = true", "Data.Orders"));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var dags = new DagStore(o.Database);
        Assert.Equal("Asset or 0 0 * * *", (await dags.GetAsync("timely"))!.TimetableSummary);
        Assert.Equal("Asset", (await dags.GetAsync("either"))!.TimetableSummary);

        var orders = await new AssetStore(o.Database).GetByNameAsync("orders");
        var posted = await new AssetStore(o.Database).RecordEventAsync(orders!.Id, new JsonObject { ["by"] = "test" }, TimeProvider.System.GetUtcNow());
        Assert.NotNull(posted);
        await o.RunToCompletionAsync(engine, executor);

        var either = Assert.Single(await RunsAsync(o, "either"));
        Assert.Equal("success", either.State.ToWireName());
        Assert.Empty(await RunsAsync(o, "paused"));
        await using (var connection = await o.Database.OpenAsync())
        {
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM asset_dag_run_queue WHERE target_dag_id = 'paused'"));
        }

        // The asset-or-time DAG: its time schedule goes on (its next run is set), and a customers update runs it too.
        Assert.NotNull((await dags.GetAsync("timely"))!.NextDagrunCreateAfter);
        var before = (await RunsAsync(o, "timely")).Count;
        var customers = await o.TriggerAsync("export_customers");
        await o.RunToCompletionAsync(engine, executor);
        var timely = await RunsAsync(o, "timely");
        Assert.Equal(before + 1, timely.Count);
        Assert.Contains(timely, r => r.RunType == "dataset_triggered" && r.State == DagRunState.Success);

        // An event for an asset nobody knows records nothing.
        var (events, unknown) = await new AssetStore(o.Database).RecordEventsAsync(new Dictionary<string, JsonObject> { ["nope"] = [] }, null, TimeProvider.System.GetUtcNow());
        Assert.Empty(events);
        Assert.Equal(["nope"], unknown);
    }

    [Fact]
    public async Task AnAlias_TakesTheAssetsATaskAddsWhileItRuns_AndStartsTheDagsScheduledOnIt_ThenOnEveryUpdateOfThoseAssets()
    {
        await using var o = await NewAsync();
        o.WriteDag("partitions.cs", Source("export_partitions", """
            var partitions = new AssetAlias("daily_partitions", "lake");
            dag.Task("export", ctx =>
            {
                // Which asset is updated is known only now, while the task runs.
                ctx.OutletEvents[partitions].Add(new Asset("orders_2026_12_05", "s3://lake/orders/2026-12-05.parquet"), new JsonObject { ["rows"] = 7 });
            }).With(t => t.Outlets = [partitions]);
            dag.Task("adds_nothing", ctx => { }).With(t => t.Outlets = [new AssetAlias("empty_alias")]);
            """));
        o.WriteDag("alias_consumer.cs", Source("alias_consumer", """
            dag.Task("report", ctx => string.Join(",", ctx.TriggeringAssetEvents.Select(e => $"{e.AssetName}:{e.Uri}:{e.Extra["rows"]}")));
            """, schedule: "new AssetAlias(\"daily_partitions\", \"lake\")"));
        o.WriteDag("empty_consumer.cs", Source("empty_consumer", "dag.Empty(\"work\");", schedule: "new AssetAlias(\"empty_alias\")"));
        await o.ProcessAsync();
        Assert.Equal("Asset", (await new DagStore(o.Database).GetAsync("alias_consumer"))!.TimetableSummary);
        var (engine, executor) = o.NewScheduler();

        var export = await o.TriggerAsync("export_partitions");
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal("success", await o.RunStateAsync("export_partitions", export.RunId));

        var run = Assert.Single(await RunsAsync(o, "alias_consumer"));
        Assert.Equal(("dataset_triggered", DagRunState.Success), (run.RunType, run.State));
        Assert.Equal("\"orders_2026_12_05:s3://lake/orders/2026-12-05.parquet:7\"",
            await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("alias_consumer", run.RunId, "report", -1, "return_value")));

        // The asset was created, joined the alias and shows it; an alias given no asset records nothing, starts nothing.
        var assets = new AssetStore(o.Database);
        var partition = await assets.GetByNameAsync("orders_2026_12_05");
        Assert.NotNull(partition);
        var alias = Assert.Single((await assets.AliasesOfAsync([partition!.Id]))[partition.Id]);
        Assert.Equal("daily_partitions", alias.Name);
        Assert.Empty(await RunsAsync(o, "empty_consumer"));
        var aliases = await assets.AliasesAsync(new Storage.Queries.PageRequest { Limit = 10 }, null);
        Assert.Equal(["daily_partitions", "empty_alias"], aliases.Items.Select(a => a.Name).Order(StringComparer.Ordinal));
        Assert.Equal("lake", aliases.Items.Single(a => a.Name == "daily_partitions").AliasGroup);

        // From now on the alias's DAG is scheduled on that asset: an event of it from elsewhere starts it too.
        Assert.NotNull(await assets.RecordEventAsync(partition.Id, new JsonObject { ["rows"] = 8 }, TimeProvider.System.GetUtcNow()));
        await o.RunToCompletionAsync(engine, executor);
        var runs = await RunsAsync(o, "alias_consumer");
        Assert.Equal(2, runs.Count);
        var second = runs.Single(r => r.RunId != run.RunId);
        Assert.Equal("\"orders_2026_12_05:s3://lake/orders/2026-12-05.parquet:8\"",
            await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("alias_consumer", second.RunId, "report", -1, "return_value")));
    }

    [Fact]
    public async Task AnAssetWatcher_RunsInTheTriggerer_AndEachFileDroppedStartsTheDagScheduledOnTheAsset()
    {
        await using var o = await NewAsync();
        var inbox = Path.Combine(o.Home, "inbox");
        o.WriteDag("dropped.cs", Source("dropped", """
            dag.Task("load", ctx => string.Join(",", ctx.TriggeringAssetEvents.Select(e => e.Extra["name"]!.GetValue<string>())));
            """, schedule: $$"""new Asset("drops") { Watchers = [new AssetWatcher("inbox", new FileDropTrigger { Folder = "{{inbox}}", Pattern = "*.csv", PokeInterval = TimeSpan.FromMilliseconds(100) })] }"""));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var triggerer = new Triggering.Triggerer(
            o.Database,
            o.Context.TriggerKwargs,
            new Triggering.TriggererOptions { PollInterval = TimeSpan.FromMilliseconds(100), LogFolder = o.LogFolder },
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Triggering.Triggerer>.Instance);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            Directory.CreateDirectory(inbox);
            await File.WriteAllTextAsync(Path.Combine(inbox, "orders_1.csv"), "id\n1\n");
            await File.WriteAllTextAsync(Path.Combine(inbox, "ignored.txt"), "not a csv");
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            while ((await RunsAsync(o, "dropped")).FirstOrDefault() is not { State: DagRunState.Success })
            {
                await engine.RunOnceAsync(limit.Token);
                await Task.Delay(50, limit.Token);
            }

            var run = Assert.Single(await RunsAsync(o, "dropped"));
            Assert.Equal("\"orders_1.csv\"", await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("dropped", run.RunId, "load", -1, "return_value")));
            Assert.True(File.Exists(Path.Combine(inbox, "processed", "orders_1.csv")));
            Assert.True(File.Exists(Path.Combine(inbox, "ignored.txt")));

            // The watcher's arguments are stored as a Fernet token under [core] fernet_key, not as readable JSON.
            await using var connection = await o.Database.OpenAsync();
            var stored = await connection.ExecuteScalarAsync<string>("SELECT kwargs FROM triggers");
            Assert.DoesNotContain("*.csv", stored, StringComparison.Ordinal);
            Assert.Contains("*.csv", o.Context.TriggerKwargs.Decrypt(stored!), StringComparison.Ordinal);

            // Processing the unchanged DAG again keeps the watcher's trigger (the triggerer keeps running it), though
            // its arguments would encrypt to another token; so does a plain row stored before they were encrypted.
            var triggerId = await connection.ExecuteScalarAsync<long>("SELECT trigger_id FROM asset_watcher");
            File.SetLastWriteTimeUtc(Path.Combine(o.Context.DagsFolder, "dropped.cs"), TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(1));
            await o.ProcessAsync();
            Assert.Equal(triggerId, await connection.ExecuteScalarAsync<long>("SELECT trigger_id FROM asset_watcher"));
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM triggers"));
            await connection.ExecuteAsync("UPDATE triggers SET kwargs = @plain", new { plain = o.Context.TriggerKwargs.Decrypt(stored!) });
            File.SetLastWriteTimeUtc(Path.Combine(o.Context.DagsFolder, "dropped.cs"), TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(2));
            await o.ProcessAsync();
            Assert.Equal(triggerId, await connection.ExecuteScalarAsync<long>("SELECT trigger_id FROM asset_watcher"));
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM triggers"));

            // Arguments no key of [core] fernet_key decrypts (changed without rotation) do not stop processing: the
            // watcher's trigger is stored again, readable.
            var otherKey = new TriggerKwargsCipher(new Core.Secrets.MultiFernet(Core.Configuration.UpdraftConfig.GenerateFernetKey()), TimeProvider.System);
            await connection.ExecuteAsync("UPDATE triggers SET kwargs = @lost", new { lost = otherKey.Encrypt(o.Context.TriggerKwargs.Decrypt(stored!)) });
            File.SetLastWriteTimeUtc(Path.Combine(o.Context.DagsFolder, "dropped.cs"), TimeProvider.System.GetUtcNow().UtcDateTime.AddMinutes(3));
            await o.ProcessAsync();
            Assert.NotEqual(triggerId, await connection.ExecuteScalarAsync<long>("SELECT trigger_id FROM asset_watcher"));
            Assert.Equal(1, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM triggers"));
            Assert.Contains("*.csv", o.Context.TriggerKwargs.Decrypt((await connection.ExecuteScalarAsync<string>("SELECT kwargs FROM triggers"))!), StringComparison.Ordinal);

            // A DAG that is gone watches nothing: its watcher and the watcher's trigger go with it.
            File.Delete(Path.Combine(o.Context.DagsFolder, "dropped.cs"));
            await o.ProcessAsync();
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM asset_watcher"));
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM triggers"));
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ANestedCondition_AllOfTwoOrAThird_RunsTheConsumerOnlyWhenThePairOrTheThirdWasUpdated()
    {
        await using var o = await NewAsync();
        o.WriteDag("refunds.cs", Source("export_refunds", """
            dag.Task("export", ctx => { }).With(t => t.Outlets = [new Asset("refunds", "s3://lake/refunds.parquet")]);
            """).Replace("public static class Data", "public static class DataR", StringComparison.Ordinal));
        o.WriteDag("nested.cs", Source("nested", """
            dag.Task("report", ctx => ctx.TriggeringAssetEvents.Select(e => e.AssetName).Order().ToList());
            """, schedule: "(Data.Orders & Data.Customers) | new Asset(\"refunds\", \"s3://lake/refunds.parquet\")")
            .Replace("public static class Data", "public static class DataN", StringComparison.Ordinal).Replace("Data.", "DataN.", StringComparison.Ordinal));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();

        async Task<int> ProduceAsync(string dagId)
        {
            await o.TriggerAsync(dagId);
            await o.RunToCompletionAsync(engine, executor);
            return (await RunsAsync(o, "nested")).Count;
        }

        // Orders alone: the pair is not complete and refunds not updated.
        Assert.Equal(0, await ProduceAsync("export_orders"));
        // Customers completes the pair.
        Assert.Equal(1, await ProduceAsync("export_customers"));
        // The pair was consumed by that run: orders alone again is not enough.
        Assert.Equal(1, await ProduceAsync("export_orders"));
        // Refunds alone is.
        Assert.Equal(2, await ProduceAsync("export_refunds"));

        var runs = await RunsAsync(o, "nested");
        Assert.All(runs, r => Assert.Equal(("dataset_triggered", DagRunState.Success), (r.RunType, r.State)));
        var first = runs.MinBy(r => r.QueuedAt)!;
        var xcom = await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("nested", first.RunId, "report", -1, "return_value"));
        Assert.Equal("""["customers","orders"]""", xcom);
    }

    [Fact]
    public async Task AnAssetWatcherOfAPausedDag_DoesNotRun_StartsWhenTheDagIsUnpaused_AndStopsWhenItIsPausedAgain()
    {
        await using var o = await NewAsync();
        o.WriteDag("watched.cs", Source("watched", """
            dag.Task("load", ctx => 1);
            """, "IsPausedUponCreation = true", $$"""new Asset("drops") { Watchers = [new AssetWatcher("inbox", new FileDropTrigger { Folder = "{{Path.Combine(o.Home, "inbox")}}", Pattern = "*.csv" })] }"""));
        await o.ProcessAsync();
        var dags = new DagStore(o.Database);
        var triggers = new TriggerStore(o.Database);
        var triggerer = new Triggering.Triggerer(
            o.Database,
            o.Context.TriggerKwargs,
            new Triggering.TriggererOptions { LogFolder = o.LogFolder },
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Triggering.Triggerer>.Instance);

        // The watchers it starts stop with this token.
        using var watching = new CancellationTokenSource();
        try
        {
            await triggerer.RunOnceAsync(watching.Token);
            Assert.Equal(0, triggerer.RunningCount);
            Assert.Empty(await triggers.HeldAsync(triggerer.JobId!.Value));

            Assert.True(await dags.SetPausedAsync("watched", paused: false));
            await triggerer.RunOnceAsync(watching.Token);
            Assert.Equal(1, triggerer.RunningCount);
            var held = Assert.Single(await triggers.HeldAsync(triggerer.JobId!.Value));

            Assert.True(await dags.SetPausedAsync("watched", paused: true));
            await triggerer.RunOnceAsync(watching.Token);
            Assert.Empty(await triggers.HeldAsync(triggerer.JobId!.Value));
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            while (triggerer.RunningCount > 0)
            {
                await Task.Delay(20, limit.Token);
            }

            // Unpaused again, the same trigger runs again in the triggerer that still holds it.
            Assert.True(await dags.SetPausedAsync("watched", paused: false));
            await triggerer.RunOnceAsync(watching.Token);
            Assert.Equal(1, triggerer.RunningCount);
            Assert.Equal(held, Assert.Single(await triggers.HeldAsync(triggerer.JobId!.Value)));
        }
        finally
        {
            await watching.CancelAsync();
            await triggerer.StopAsync(CancellationToken.None);
            triggerer.Dispose();
        }
    }

    [Fact]
    public async Task AnEventRecordedByAnotherProcess_WakesAListeningScheduler_WhereTheDatabaseCanSaySo()
    {
        await using var o = await NewAsync();
        o.WriteDag("consumer.cs", Source("consumer", "dag.Empty(\"work\");", schedule: "Data.Orders"));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var other = OtherProcess(o);
        var orders = (await new AssetStore(other).GetByNameAsync("orders"))!;
        var woken = await WokenAsync(other, engine, () => new AssetStore(other).RecordEventAsync(orders.Id, new JsonObject(), TimeProvider.System.GetUtcNow()));
        if (o.Database.Dialect == Updraft.Storage.Database.SqlDialect.MySql)
        {
            // MySQL has no NOTIFY: its schedulers find such work on their next poll.
            Assert.False(woken);
            Assert.False(o.Database.SchedulersCanListen);
            return;
        }

        Assert.True(woken, "an asset event recorded through another process's connections did not wake the listening scheduler");
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal("success", Assert.Single(await RunsAsync(o, "consumer")).State.ToWireName());
    }

    [Fact]
    public async Task ATriggerFiredByATriggererInAnotherProcess_WakesAListeningScheduler_WhereTheDatabaseCanSaySo()
    {
        await using var o = await NewAsync();
        o.WriteDag("waiter.cs", Source("waiter", "dag.Empty(\"work\");"));
        await o.ProcessAsync();
        var (engine, _) = o.NewScheduler();
        var other = OtherProcess(o);
        var triggers = new TriggerStore(other);
        var run = await o.TriggerAsync("waiter", "deferred");
        var key = new TaskInstanceKey("waiter", run.RunId, "work", -1);
        await using (var connection = await o.Database.OpenAsync())
        {
            await connection.ExecuteAsync("UPDATE task_instance SET state = 'running', try_number = 1");
        }

        // Deferred as a worker's execution API call leaves it; the triggerer of the other process fires it.
        var trigger = new Updraft.Core.Triggers.DateTimeTrigger(TimeProvider.System.GetUtcNow().AddHours(1));
        await triggers.DeferAsync(key, 1, new TriggerDeferral(trigger.TypeName, trigger.Serialize().ToJsonString(), "execute", null, null), o.Context.TriggerKwargs, TimeProvider.System.GetUtcNow());
        var woken = await WokenAsync(other, engine, async () =>
        {
            await using var connection = await other.OpenAsync();
            var triggerId = await connection.ExecuteScalarAsync<long>("SELECT trigger_id FROM task_instance WHERE run_id = @RunId", key);
            Assert.Equal(1, await triggers.FireManyAsync([new TriggerFiring(triggerId, "{}")]));
        });
        Assert.Equal(o.Database.Dialect != Updraft.Storage.Database.SqlDialect.MySql, woken);
    }

    /// <summary>Another process's view of the database: its own MetadataDatabase, pools and (on SQLite) file handles.</summary>
    private static Updraft.Storage.Database.MetadataDatabase OtherProcess(Orchestra o) =>
        new Updraft.Cli.Hosting.CliContext(new Updraft.Cli.Hosting.CliEnvironment(o.Environment, TextWriter.Null, TextWriter.Null, TimeProvider.System)).Database;

    /// <summary>
    /// Listens as a scheduler service does; once the listener is known to be up (a bare notification from
    /// <paramref name="other"/> woke it, then a pass took that request), makes one <paramref name="write"/> through
    /// <paramref name="other"/> and returns whether it woke the scheduler (nothing else asks it for a pass here).
    /// </summary>
    private static async Task<bool> WokenAsync(Updraft.Storage.Database.MetadataDatabase other, Scheduling.SchedulerEngine engine, Func<Task> write)
    {
        if (!other.SchedulersCanListen)
        {
            return false;
        }

        using var stop = new CancellationTokenSource();
        var listening = engine.ListenForWorkAsync(stop.Token);
        try
        {
            for (var attempt = 0; attempt < 40 && !engine.PassRequested.IsCompleted; attempt++)
            {
                await using (var connection = await other.OpenAsync())
                {
                    if (other.NotifySchedulers is { } notify)
                    {
                        await connection.ExecuteAsync(notify);
                    }
                }

                other.WakeSchedulers();
                await Task.WhenAny(engine.PassRequested, Task.Delay(250));
            }

            if (!engine.PassRequested.IsCompleted)
            {
                return false;
            }

            // Wake-ups of earlier bare notifications may still be on their way (a loaded machine delivers them late):
            // take them with passes until none comes for a while, so that the write's own is what is waited for.
            for (var settle = 0; settle < 20 && engine.PassRequested.IsCompleted; settle++)
            {
                await engine.RunOnceAsync();
                await Task.WhenAny(engine.PassRequested, Task.Delay(500));
            }

            Assert.False(engine.PassRequested.IsCompleted, "the bare notifications kept waking the scheduler");
            await write();
            await Task.WhenAny(engine.PassRequested, Task.Delay(TimeSpan.FromSeconds(30)));
            return engine.PassRequested.IsCompleted;
        }
        finally
        {
            await stop.CancelAsync();
            await listening.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [Fact]
    public async Task AFailingAssetWatcher_StartsAgainOnlyOnceItsBackoffPassed_DoublingUpToTheCap_LoggingEachFailureOnce()
    {
        await using var o = await NewAsync();
        o.WriteDag("watched.cs", Source("watched", """
            dag.Task("load", ctx => 1);
            """, schedule: $$"""new Asset("drops") { Watchers = [new AssetWatcher("inbox", new FileDropTrigger { Folder = "{{Path.Combine(o.Home, "inbox")}}", Pattern = "*.csv" })] }"""));
        await o.ProcessAsync();
        var clock = new ManualTimeProvider(new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero));
        var log = new ListLogger<Triggering.Triggerer>();
        var starts = 0;
        using var triggerer = new Triggering.Triggerer(
            o.Database,
            o.Context.TriggerKwargs,
            new Triggering.TriggererOptions { LogFolder = o.LogFolder, WatcherRetryDelay = TimeSpan.FromSeconds(1), WatcherMaxRetryDelay = TimeSpan.FromSeconds(5) },
            clock,
            log)
        {
            // Its trigger type cannot be found: the watcher fails each time it starts.
            ResolveType = (_, _) =>
            {
                Interlocked.Increment(ref starts);
                return Task.FromResult<Type?>(null);
            },
        };

        // The watchers it starts stop with this token.
        using var watching = new CancellationTokenSource();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await triggerer.RunOnceAsync(watching.Token);
            var attempt = 0;
            foreach (var backoff in new[] { 1, 2, 4, 5, 5 }.Select(s => TimeSpan.FromSeconds(s)))
            {
                attempt++;

                // It failed and waits: the only timer it sets is its backoff, and until that is due nothing starts it.
                Assert.Equal(backoff, await clock.Timers.ReadAsync(limit.Token));
                Assert.Equal(attempt, Volatile.Read(ref starts));
                var failed = Assert.Single(log.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error && e.Message.Contains($"({attempt} in a row)", StringComparison.Ordinal));
                Assert.Contains($"starts again at {(clock.GetUtcNow() + backoff).ToString("O", System.Globalization.CultureInfo.InvariantCulture)}", failed.Message, StringComparison.Ordinal);
                Assert.Equal(0, clock.Advance(backoff - TimeSpan.FromMilliseconds(1)));
                Assert.Equal(attempt, Volatile.Read(ref starts));
                Assert.Equal(1, clock.Advance(TimeSpan.FromMilliseconds(1)));
            }

            // Started again once the last backoff passed: it failed once more, and waits the cap again.
            Assert.Equal(TimeSpan.FromSeconds(5), await clock.Timers.ReadAsync(limit.Token));
            Assert.Equal(6, Volatile.Read(ref starts));
            Assert.Equal(6, log.Entries.Count(e => e.Level == Microsoft.Extensions.Logging.LogLevel.Error));
        }
        finally
        {
            await watching.CancelAsync();
            await triggerer.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<List<DagRunRecord>> RunsAsync(Orchestra o, string dagId) =>
        [.. await new DagRunStore(o.Database).ListAsync(dagId, null, 100)];
}

public sealed class SqliteAssetTests : AssetTests
{
    protected override string? DatabaseUri() => null;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresAssetTests(PostgresServer server) : AssetTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}

[Collection(MariaDbCollection.Name)]
public sealed class MariaDbAssetTests(MariaDbServer server) : AssetTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}
