using Dapper;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging.Abstractions;
using Updraft.Core.States;
using Updraft.Scheduling.Triggering;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// Deferrable tasks through the whole orchestrator: real worker processes defer through the execution API, a triggerer
/// runs the triggers, the scheduler resumes and times out; run against SQLite and PostgreSQL by the subclasses.
/// </summary>
public abstract class TriggererTests
{
    protected abstract string? DatabaseUri();

    private const string Operators = """
        public sealed class WaitThenResume(Dag dag, string taskId, TimeSpan wait, TimeSpan? timeout = null) : Operator(dag, taskId)
        {
            public override Task<object?> ExecuteAsync(TaskContext context)
            {
                context.Log.Info($"deferring from try {context.TryNumber}");
                context.Defer(DateTimeTrigger.After(wait, context.Clock), nameof(Resumed), timeout, new JsonObject { ["answer"] = 42 });
                return Task.FromResult<object?>(null);
            }

            public string Resumed(TaskContext context, TriggerEvent @event) =>
                $"resumed in try {context.TryNumber} with {context.NextKwargs!["answer"]} at {@event.Payload!.GetValue<string>()[..4]}";
        }

        public sealed class HomeMadeTrigger : Trigger
        {
            public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await Task.Delay(1, cancellationToken);
                yield return new TriggerEvent();
            }
        }

        public sealed class BrokerDown : Trigger
        {
            public string Broker { get; init; } = "";

            public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await Task.Delay(1, cancellationToken);
                throw new InvalidOperationException($"{Broker} is down");
        #pragma warning disable CS0162
                yield break;
        #pragma warning restore CS0162
            }
        }

        public sealed class Unstorable : Trigger
        {
            public Func<int> Callback { get; init; } = () => 1;

            public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await Task.Delay(1, cancellationToken);
                yield return new TriggerEvent();
            }
        }

        public sealed class DefersOn(Dag dag, string taskId, Trigger trigger) : Operator(dag, taskId)
        {
            public override Task<object?> ExecuteAsync(TaskContext context)
            {
                context.Defer(trigger);
                return Task.FromResult<object?>(null);
            }
        }

        public sealed class TokenTrigger : Trigger
        {
            public string Token { get; init; } = "";

            public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
            {
                await Task.Delay(1, cancellationToken);
                yield return new TriggerEvent(JsonValue.Create(Token));
            }
        }

        public sealed class DefersWithToken(Dag dag, string taskId) : Operator(dag, taskId)
        {
            public override Task<object?> ExecuteAsync(TaskContext context)
            {
                if (context.TriggerEvent is null)
                {
                    context.Defer(new TokenTrigger { Token = "tok-Very-Private" });
                }

                return Task.FromResult<object?>($"resumed with {context.TriggerEvent!.Payload!.GetValue<string>()}");
            }
        }

        public sealed class DefersOnHomeMade(Dag dag, string taskId) : Operator(dag, taskId)
        {
            public override Task<object?> ExecuteAsync(TaskContext context)
            {
                if (context.TriggerEvent is null)
                {
                    context.Defer(new HomeMadeTrigger());
                }

                return Task.FromResult<object?>("resumed");
            }
        }

        """;

    private static string DagWith(string dagId, string body, string settings = "") => Operators + Orchestra.DagSource(dagId, body, settings);

    private async Task<Orchestra> NewAsync() => await Orchestra.CreateAsync(DatabaseUri());

    private static Triggerer NewTriggerer(Orchestra o, TimeSpan? healthThreshold = null, bool builtInOnly = false, int capacity = 1000) => new(
        o.Database,
        o.Context.TriggerKwargs,
        new TriggererOptions
        {
            Capacity = capacity,
            PollInterval = TimeSpan.FromMilliseconds(100),
            JobHeartbeat = TimeSpan.FromMilliseconds(200),
            HealthCheckThreshold = healthThreshold ?? TimeSpan.FromSeconds(30),
            CleanupInterval = TimeSpan.FromMilliseconds(500),
            LogFolder = o.LogFolder,
        },
        TimeProvider.System,
        NullLogger<Triggerer>.Instance)
    {
        Connections = o.Context.SecretsOn(o.Database),
        ResolveType = builtInOnly
            ? (record, _) => Task.FromResult(TriggerTypes.Resolve(record.Classpath))
            : new DagCodeTriggerTypes(o.Database, o.Context.NewLoader()).ResolveAsync,
    };

    [Fact]
    public async Task ADeferredTask_FreesItsSlot_ThenResumesInItsMethodWithTheEventAndItsValues_InTheSameTry()
    {
        await using var o = await NewAsync();
        o.WriteDag("deferring.cs", DagWith("deferring", """
            new WaitThenResume(dag, "wait", TimeSpan.FromSeconds(2)).With(t => t.PriorityWeight = 10);
            dag.Task("meanwhile", ctx => ctx.Log.Info("ran while the other waited"));
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler(parallelism: 1);
        var triggerer = NewTriggerer(o);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            var run = await o.TriggerAsync("deferring");
            await o.RunToCompletionAsync(engine, executor);

            Assert.Equal("success", await o.RunStateAsync("deferring", run.RunId));
            var tis = await o.TasksAsync("deferring", run.RunId);
            var (wait, meanwhile) = (tis["wait"], tis["meanwhile"]);
            Assert.Equal((TaskInstanceState.Success, 1), (wait.State, wait.TryNumber));

            // One slot: the other task ran in it while the first was deferred (between its first start and its end).
            Assert.True(meanwhile.StartDate > wait.StartDate && meanwhile.EndDate < wait.EndDate, $"the other task did not run while the first was deferred: {wait.StartDate}..{wait.EndDate} vs {meanwhile.StartDate}..{meanwhile.EndDate}");
            var xcom = await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new(run.DagId, run.RunId, "wait", -1, "return_value"));
            Assert.Equal($"\"resumed in try 1 with 42 at {TimeProvider.System.GetUtcNow().Year}\"", xcom);
            var log = o.ReadLog("deferring", run.RunId, "wait", 1);
            Assert.Contains("Pausing task as DEFERRED: Deferring the task on DateTimeTrigger", log);
            Assert.Contains("{triggerer} INFO - Trigger DateTimeTrigger (trigger ", log);
            Assert.Contains("{triggerer} INFO - Trigger DateTimeTrigger fired; the task resumes.", log);
            Assert.Equal(1, log.Split('\n').Count(l => l.Contains("deferring from try 1", StringComparison.Ordinal)));
            Assert.Single(await new TaskInstanceStore(o.Database).TriesAsync(new TaskInstanceKey("deferring", run.RunId, "wait")));
            await using var connection = await o.Database.OpenAsync();
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM triggers"));
            Assert.Null(await connection.ExecuteScalarAsync<string?>("SELECT next_method FROM task_instance WHERE task_id = 'wait'"));
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ADeferredTasksTriggerArguments_AreStoredEncrypted_AndReachTheTrigger_AsDoThoseOfAPlainRowFromBefore_OneNoKeyDecrypts_FailsAlone()
    {
        await using var o = await NewAsync();
        o.WriteDag("tokened.cs", DagWith("tokened", """
            new DefersWithToken(dag, "encrypted");
            new DefersWithToken(dag, "plain");
            new DefersWithToken(dag, "rekeyed");
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var triggerer = NewTriggerer(o);
        var started = false;
        try
        {
            var run = await o.TriggerAsync("tokened");
            await o.RunToCompletionAsync(engine, executor, TimeSpan.FromSeconds(120), afterPass: async () =>
            {
                if (started)
                {
                    return;
                }

                await using var connection = await o.Database.OpenAsync();
                var stored = (await connection.QueryAsync<(long Id, string Kwargs, string TaskId)>(
                    "SELECT t.id, t.kwargs, ti.task_id FROM triggers t JOIN task_instance ti ON ti.trigger_id = t.id")).ToList();
                if (stored.Count < 3)
                {
                    return;
                }

                // Both deferrals stored their trigger's arguments as Fernet tokens under [core] fernet_key.
                Assert.All(stored, t => Assert.DoesNotContain("tok-Very-Private", t.Kwargs, StringComparison.Ordinal));

                // A row written before trigger arguments were encrypted holds the plain JSON: the triggerer still loads it.
                var plain = stored.Single(t => t.TaskId == "plain");
                var json = o.Context.TriggerKwargs.Decrypt(plain.Kwargs);
                Assert.Contains("tok-Very-Private", json, StringComparison.Ordinal);
                await connection.ExecuteAsync("UPDATE triggers SET kwargs = @json WHERE id = @Id", new { json, plain.Id });

                // One encrypted with a key [core] fernet_key does not hold (changed without rotation) fails its task alone.
                var otherKey = new TriggerKwargsCipher(new Core.Secrets.MultiFernet(Core.Configuration.UpdraftConfig.GenerateFernetKey()), TimeProvider.System);
                await connection.ExecuteAsync("UPDATE triggers SET kwargs = @Kwargs WHERE id = @Id", new { Kwargs = otherKey.Encrypt(json), stored.Single(t => t.TaskId == "rekeyed").Id });
                started = true;
                await triggerer.StartAsync(CancellationToken.None);
            });

            Assert.True(started);
            Assert.Equal("failed", await o.RunStateAsync("tokened", run.RunId));
            var tis = await o.TasksAsync("tokened", run.RunId);
            Assert.Equal(
                (TaskInstanceState.Success, TaskInstanceState.Success, TaskInstanceState.Failed),
                (tis["encrypted"].State, tis["plain"].State, tis["rekeyed"].State));
            var log = o.ReadLog("tokened", run.RunId, "rekeyed", 1);
            Assert.Contains("Trigger failure: the trigger's arguments cannot be decrypted with any key in [core] fernet_key", log, StringComparison.Ordinal);
            Assert.DoesNotContain("tok-Very-Private", log, StringComparison.Ordinal);
            foreach (var task in new[] { "encrypted", "plain" })
            {
                Assert.Equal(
                    "\"resumed with tok-Very-Private\"",
                    await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new(run.DagId, run.RunId, task, -1, "return_value")));
            }
        }
        finally
        {
            if (started)
            {
                await triggerer.StopAsync(CancellationToken.None);
            }
        }
    }

    [Fact]
    public async Task ADeferralPastItsTimeout_FailsTheTaskWithRetries_EvenWithNoTriggererRunning()
    {
        await using var o = await NewAsync();
        o.WriteDag("late.cs", DagWith("late", """
            new WaitThenResume(dag, "wait", TimeSpan.FromHours(1), TimeSpan.FromSeconds(1)).With(t => { t.Retries = 1; t.RetryDelay = TimeSpan.Zero; });
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("late");

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("failed", await o.RunStateAsync("late", run.RunId));
        var wait = (await o.TasksAsync("late", run.RunId))["wait"];
        Assert.Equal((TaskInstanceState.Failed, 2), (wait.State, wait.TryNumber));
        Assert.Contains("Trigger timeout: the task did not resume before its deferral timed out.", o.ReadLog("late", run.RunId, "wait", 1));
        Assert.Contains("Trigger timeout", o.ReadLog("late", run.RunId, "wait", 2));
    }

    [Fact]
    public async Task ATriggerDefinedInDagCode_RunsInTheTriggerer_LoadedFromItsRunsDagVersion()
    {
        await using var o = await NewAsync();
        o.WriteDag("homemade.cs", DagWith("homemade", """new DefersOnHomeMade(dag, "wait");"""));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("homemade");

        // The file changes after the run was created: the trigger still comes from the run's own version.
        o.WriteDag("homemade.cs", "this is not C# any more");
        var triggerer = NewTriggerer(o);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            await o.RunToCompletionAsync(engine, executor);

            Assert.Equal("success", await o.RunStateAsync("homemade", run.RunId));
            Assert.Contains("Trigger HomeMadeTrigger fired; the task resumes.", o.ReadLog("homemade", run.RunId, "wait", 1));
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ATriggerThatThrows_FailsTheTaskWithItsError_OneThatCannotBeStored_FailsAtTheDeferral()
    {
        await using var o = await NewAsync();
        o.WriteDag("broken.cs", DagWith("broken", """
            new DefersOn(dag, "throws", new BrokerDown { Broker = "amqp://queue" }).With(t => t.Retries = 0);
            new DefersOn(dag, "unstorable", new Unstorable()).With(t => t.Retries = 0);
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var triggerer = NewTriggerer(o);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            var run = await o.TriggerAsync("broken");
            await o.RunToCompletionAsync(engine, executor);

            var tis = await o.TasksAsync("broken", run.RunId);
            Assert.Equal((TaskInstanceState.Failed, TaskInstanceState.Failed), (tis["throws"].State, tis["unstorable"].State));
            Assert.Contains("Trigger failure: InvalidOperationException: amqp://queue is down", o.ReadLog("broken", run.RunId, "throws", 1));
            Assert.Contains("Trigger Unstorable cannot be serialized", o.ReadLog("broken", run.RunId, "unstorable", 1));
            await using var connection = await o.Database.OpenAsync();
            Assert.Equal(0, await connection.ExecuteScalarAsync<int>("SELECT count(*) FROM triggers"));
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ATriggerTheTriggererCannotLoad_FailsTheTaskSayingWhich()
    {
        await using var o = await NewAsync();
        o.WriteDag("homemade.cs", DagWith("homemade", """new DefersOnHomeMade(dag, "wait");"""));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var triggerer = NewTriggerer(o, builtInOnly: true);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            var run = await o.TriggerAsync("homemade");
            await o.RunToCompletionAsync(engine, executor);

            Assert.Equal("failed", await o.RunStateAsync("homemade", run.RunId));
            var log = o.ReadLog("homemade", run.RunId, "wait", 1);
            Assert.Contains("Trigger failure: the trigger type HomeMadeTrigger is neither one of Updraft's nor defined in the code of this run's DAG version.", log);
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ATriggererThatStopsHeartbeating_IsTakenOver_AndEachTaskResumesExactlyOnce()
    {
        await using var o = await NewAsync();
        o.WriteDag("many.cs", DagWith("many", """
            foreach (var i in Enumerable.Range(0, 20))
            {
                new WaitThenResume(dag, $"wait_{i}", TimeSpan.FromSeconds(3));
            }
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler(parallelism: 4);
        var run = await o.TriggerAsync("many");

        // The first triggerer claims every trigger once, then goes silent (as a paused or killed process) while its
        // triggers still run and fire; the second takes them over once the first's heartbeat is stale.
        var silent = NewTriggerer(o);
        var second = NewTriggerer(o, healthThreshold: TimeSpan.FromSeconds(1));
        var triggers = new TriggerStore(o.Database);
        using var stop = new CancellationTokenSource();
        var claimedOnce = false;
        try
        {
            await o.RunToCompletionAsync(engine, executor, TimeSpan.FromSeconds(120), afterPass: async () =>
            {
                if (!claimedOnce && (await triggers.CountAsync()).Total == 20)
                {
                    claimedOnce = true;
                    await silent.RunOnceAsync();
                    Assert.Equal(20, silent.RunningCount);
                    await second.StartAsync(CancellationToken.None);
                }
            });

            Assert.True(claimedOnce);
            Assert.Equal("success", await o.RunStateAsync("many", run.RunId));
            foreach (var i in Enumerable.Range(0, 20))
            {
                var log = o.ReadLog("many", run.RunId, $"wait_{i}", 1);
                Assert.Equal(2, log.Split('\n').Count(l => l.Contains("Starting attempt 1 of 1", StringComparison.Ordinal)));
                Assert.Contains("resumed in try 1 with 42", (await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("many", run.RunId, $"wait_{i}", -1, "return_value")))!);
            }
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
            await silent.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task TwoTriggerersBelowTheLoad_ShareTheTriggers_EachHeldByOneAtATime_AndEachTaskResumesOnce()
    {
        await using var o = await NewAsync();
        var gate = Path.Combine(o.Home, "gate");
        o.WriteDag("shared.cs", Operators + $$$"""
            public sealed class WaitsForGate(Dag dag, string taskId) : Operator(dag, taskId)
            {
                public override Task<object?> ExecuteAsync(TaskContext context)
                {
                    if (context.TriggerEvent is null)
                    {
                        context.Defer(new FileTrigger { Filepath = @"{{{gate}}}", PokeInterval = TimeSpan.FromMilliseconds(100) });
                    }

                    context.Log.Info("resumed after the gate");
                    return Task.FromResult<object?>("resumed");
                }
            }

            """ + Orchestra.DagSource("shared", """
            foreach (var i in Enumerable.Range(0, 10))
            {
                new WaitsForGate(dag, $"wait_{i}");
            }
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler(parallelism: 4);
        var first = NewTriggerer(o, capacity: 4);
        var second = NewTriggerer(o, capacity: 4);
        var holders = new Dictionary<long, HashSet<long>>();
        var split = new List<int>();
        await first.StartAsync(CancellationToken.None);
        await second.StartAsync(CancellationToken.None);
        try
        {
            var run = await o.TriggerAsync("shared");

            // The gate opens once both triggerers are full (8 of the 10 triggers held): until then no trigger fires.
            await o.RunToCompletionAsync(engine, executor, TimeSpan.FromSeconds(120), afterPass: async () =>
            {
                await using var connection = await o.Database.OpenAsync();
                var held = (await connection.QueryAsync<(long Id, long Triggerer)>("SELECT id, triggerer_id FROM triggers WHERE triggerer_id IS NOT NULL")).ToList();
                foreach (var (id, triggerer) in held)
                {
                    holders.TryAdd(id, []);
                    holders[id].Add(triggerer);
                }

                var perTriggerer = held.GroupBy(h => h.Triggerer).Select(g => g.Count()).ToList();
                Assert.All(perTriggerer, n => Assert.InRange(n, 1, 4));
                Assert.InRange(first.RunningCount, 0, 4);
                Assert.InRange(second.RunningCount, 0, 4);
                if (split.Count == 0 && held.Count == 8)
                {
                    split.AddRange(perTriggerer.Order());
                    await File.WriteAllTextAsync(gate, "open");
                }
            });

            Assert.Equal([4, 4], split);
            Assert.Equal("success", await o.RunStateAsync("shared", run.RunId));
            // Each trigger, as sampled in the database, was held by one triggerer only (the last two fire too soon to be seen).
            Assert.InRange(holders.Count, 8, 10);
            Assert.All(holders.Values, h => Assert.Single(h));
            var xcoms = new DatabaseXComStore(o.Database, TimeProvider.System);
            var ranIn = new Dictionary<long, long>();
            foreach (var i in Enumerable.Range(0, 10))
            {
                var log = o.ReadLog("shared", run.RunId, $"wait_{i}", 1);
                Assert.Equal(2, log.Split('\n').Count(l => l.Contains("Starting attempt 1 of 1", StringComparison.Ordinal)));
                // Its trigger ran in one triggerer, once: the one the database said held it.
                var running = Assert.Single(System.Text.RegularExpressions.Regex.Matches(log, @"\(trigger (\d+)\) is running in triggerer (\d+)\."));
                var (trigger, triggerer) = (long.Parse(running.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), long.Parse(running.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture));
                Assert.True(ranIn.TryAdd(trigger, triggerer));
                Assert.True(!holders.TryGetValue(trigger, out var sampled) || sampled.Single() == triggerer);
                Assert.Equal(1, log.Split('\n').Count(l => l.Contains("resumed after the gate", StringComparison.Ordinal)));
                Assert.Equal("\"resumed\"", await xcoms.GetAsync(new("shared", run.RunId, $"wait_{i}", -1, "return_value")));
            }

            Assert.Equal(new[] { first.JobId!.Value, second.JobId!.Value }.Order(), ranIn.Values.Distinct().Order());
        }
        finally
        {
            await second.StopAsync(CancellationToken.None);
            await first.StopAsync(CancellationToken.None);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task DeferredTasks_HoldTheirPoolSlots_OnlyWhenThePoolIncludesDeferred(bool includeDeferred)
    {
        await using var o = await NewAsync();
        var gate = Path.Combine(o.Home, "gate");
        await new PoolStore(o.Database).SetAsync("two", 2, null, includeDeferred);
        o.WriteDag("pooled.cs", Operators + $$$"""
            public sealed class WaitsForGate(Dag dag, string taskId) : Operator(dag, taskId)
            {
                public override Task<object?> ExecuteAsync(TaskContext context)
                {
                    if (context.TriggerEvent is null)
                    {
                        context.Defer(new FileTrigger { Filepath = @"{{{gate}}}", PokeInterval = TimeSpan.FromMilliseconds(100) });
                    }

                    return Task.FromResult<object?>("resumed");
                }
            }

            """ + Orchestra.DagSource("pooled", """
            new WaitsForGate(dag, "wait_0").With(t => { t.Pool = "two"; t.PriorityWeight = 10; });
            new WaitsForGate(dag, "wait_1").With(t => { t.Pool = "two"; t.PriorityWeight = 10; });
            dag.Task("third", ctx => ctx.Log.Info("third ran")).With(t => t.Pool = "two");
            """));
        await o.ProcessAsync();

        // Executor slots to spare: only the pool's two slots can hold the third task back.
        var (engine, executor) = o.NewScheduler(parallelism: 4);
        var triggerer = NewTriggerer(o);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            var run = await o.TriggerAsync("pooled");
            var passesBothDeferred = 0;
            var thirdStartedWhileBothDeferred = false;
            var thirdDoneWhileBothDeferred = false;

            // The gate (what the two deferred tasks wait for) opens once the pool has shown what it does: with
            // include_deferred after three passes with both deferred, without it once the third task ran meanwhile.
            await o.RunToCompletionAsync(engine, executor, TimeSpan.FromSeconds(120), afterPass: async () =>
            {
                var tis = await o.TasksAsync("pooled", run.RunId);
                if (File.Exists(gate) || tis["wait_0"].State != TaskInstanceState.Deferred || tis["wait_1"].State != TaskInstanceState.Deferred)
                {
                    return;
                }

                passesBothDeferred++;
                thirdStartedWhileBothDeferred |= tis["third"].State != TaskInstanceState.Scheduled;
                thirdDoneWhileBothDeferred |= tis["third"].State == TaskInstanceState.Success;
                if (includeDeferred ? passesBothDeferred >= 3 : thirdDoneWhileBothDeferred)
                {
                    await File.WriteAllTextAsync(gate, "open");
                }
            });

            Assert.Equal("success", await o.RunStateAsync("pooled", run.RunId));
            var done = await o.TasksAsync("pooled", run.RunId);
            Assert.All(done.Values, ti => Assert.Equal(TaskInstanceState.Success, ti.State));
            Assert.Equal(includeDeferred, !thirdStartedWhileBothDeferred);
            Assert.Equal(!includeDeferred, thirdDoneWhileBothDeferred);
            if (includeDeferred)
            {
                // It started only after one of the two had finished and given its slot back.
                Assert.True(done["third"].StartDate >= new[] { done["wait_0"].EndDate, done["wait_1"].EndDate }.Min(), "the third task started before either deferred task finished");
            }
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ADeferrableHttpSensor_WaitsInTheTriggererUntilTheEndpointAnswers_ThenResumesAndPokesOnce()
    {
        await using var o = await NewAsync();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        await using var api = builder.Build();
        var asked = 0;
        api.MapGet("/ready", () => Interlocked.Increment(ref asked) <= 3 ? Results.NotFound() : Results.Text("ready now"));
        await api.StartAsync();
        using var output = new StringWriter();
        var environment = new Updraft.Cli.Hosting.CliEnvironment(o.Environment, output, output, TimeProvider.System);
        Assert.Equal(0, await Updraft.Cli.UpdraftCli.RunAsync(["connections", "add", "http_default", "--conn-uri", api.Urls.First()], environment));
        o.WriteDag("polled.cs", DagWith("polled", """
            dag.HttpSensor("ready", "ready").With(s => { s.Deferrable = true; s.PokeInterval = TimeSpan.FromMilliseconds(100); });
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var triggerer = NewTriggerer(o);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            var run = await o.TriggerAsync("polled");
            await o.RunToCompletionAsync(engine, executor);

            var ready = (await o.TasksAsync("polled", run.RunId))["ready"];
            Assert.Equal((TaskInstanceState.Success, 1), (ready.State, ready.TryNumber));
            var log = o.ReadLog("polled", run.RunId, "ready", 1);
            Assert.Contains("Pausing task as DEFERRED", log);
            Assert.Contains("Trigger HttpSensorTrigger fired; the task resumes.", log);
            Assert.Equal(2, log.Split('\n').Count(l => l.Contains("Starting attempt 1 of 1", StringComparison.Ordinal)));
            // One poke before the deferral, two 404s in the triggerer, its 200, and one poke after resuming.
            Assert.Equal(5, Volatile.Read(ref asked));
            Assert.Equal(2, System.Text.RegularExpressions.Regex.Count(log, "Poking: GET ready"));
            Assert.Equal("\"ready now\"", await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("polled", run.RunId, "ready", -1, "return_value")));
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ADeferrableTimeDeltaSensor_WaitsForItsTargetInTheTriggerer_FreeingItsSlot_ThenSucceeds()
    {
        await using var o = await NewAsync();
        o.WriteDag("later.cs", DagWith("later", """
            dag.TimeDeltaSensor("delta", TimeSpan.FromSeconds(3)).With(s => { s.Deferrable = true; s.PriorityWeight = 10; });
            dag.Task("meanwhile", ctx => ctx.Log.Info("ran while the sensor waited"));
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler(parallelism: 1);
        var triggerer = NewTriggerer(o);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            var run = await o.TriggerAsync("later");
            await o.RunToCompletionAsync(engine, executor);

            Assert.Equal("success", await o.RunStateAsync("later", run.RunId));
            var tis = await o.TasksAsync("later", run.RunId);
            var (delta, meanwhile) = (tis["delta"], tis["meanwhile"]);
            Assert.Equal((TaskInstanceState.Success, 1), (delta.State, delta.TryNumber));
            Assert.True(meanwhile.StartDate > delta.StartDate && meanwhile.EndDate < delta.EndDate, "the other task did not run in the slot the sensor freed");
            var target = Storage.Database.Micros.To(run.DataIntervalEnd) + TimeSpan.FromSeconds(3);
            Assert.True(Storage.Database.Micros.To(delta.EndDate!.Value) > target, "the sensor succeeded before its target");
            var log = o.ReadLog("later", run.RunId, "delta", 1);
            Assert.Contains("Pausing task as DEFERRED: Deferring the task on DateTimeTrigger", log);
            Assert.Contains("Trigger DateTimeTrigger fired; the task resumes.", log);
            Assert.Equal(2, log.Split('\n').Count(l => l.Contains("Starting attempt 1 of 1", StringComparison.Ordinal)));
            var xcom = await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("later", run.RunId, "delta", -1, "return_value"));
            Assert.Equal(Core.Runtime.Iso.Format(target), System.Text.Json.Nodes.JsonNode.Parse(xcom!)!.GetValue<string>());
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task ClearingADeferredTask_RunsItAgainFromTheStart_AndItsTriggerIsDropped()
    {
        await using var o = await NewAsync();
        o.WriteDag("cleared.cs", DagWith("cleared", """new WaitThenResume(dag, "wait", TimeSpan.FromHours(1));"""));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("cleared");
        var key = new TaskInstanceKey("cleared", run.RunId, "wait");
        var tasks = new TaskInstanceStore(o.Database);
        using (var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60)))
        {
            while ((await tasks.GetAsync(key))!.State != TaskInstanceState.Deferred)
            {
                await engine.RunOnceAsync(limit.Token);
                await Task.Delay(50, limit.Token);
            }
        }

        Assert.Single(await tasks.ClearAsync([(key, 0)]));

        var row = (await tasks.GetAsync(key))!;
        Assert.Equal(TaskInstanceState.None, row.State);
        var triggerer = NewTriggerer(o);
        await triggerer.RunOnceAsync();
        Assert.Equal(0, triggerer.RunningCount);
        await using var connection = await o.Database.OpenAsync();
        Assert.Null(await connection.ExecuteScalarAsync<long?>("SELECT trigger_id FROM task_instance WHERE task_id = 'wait'"));
        Assert.Equal(0, (await new TriggerStore(o.Database).CountAsync()).Total);
    }
}

public sealed class SqliteTriggererTests : TriggererTests
{
    protected override string? DatabaseUri() => null;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresTriggererTests(PostgresServer server) : TriggererTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}

[Collection(MariaDbCollection.Name)]
public sealed class MariaDbTriggererTests(MariaDbServer server) : TriggererTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}
