using Updraft.Core.Configuration;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Api;
using Updraft.Scheduling.Execution;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// The execution API: its tokens, and what workers (which hold no database credentials) can and cannot see. Run
/// against SQLite and PostgreSQL by the subclasses.
/// </summary>
public abstract class ExecutionApiTests
{
    protected abstract string? DatabaseUri();

    /// <summary>A clock the test moves by hand.</summary>
    private sealed class ManualClock(DateTimeOffset now) : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = now;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    private static async Task<(Orchestra Orchestra, TryIdentity Try)> QueuedTryAsync(string? databaseUri)
    {
        var o = await Orchestra.CreateAsync(databaseUri);
        o.WriteDag("api.cs", Orchestra.DagSource("api", "dag.Empty(\"a\"); dag.Empty(\"b\");"));
        await o.ProcessAsync();
        var run = await o.TriggerAsync("api", "r1");
        await new DagRunStore(o.Database).TransitionAsync(run.Id, DagRunState.Queued, DagRunState.Running, TimeProvider.System.GetUtcNow());
        var tasks = new TaskInstanceStore(o.Database);
        var keys = new[] { new TaskInstanceKey("api", "r1", "a"), new TaskInstanceKey("api", "r1", "b") };
        await tasks.TransitionAsync([.. keys.Select(k => new TaskInstanceChange(k, TaskInstanceState.None, TaskInstanceState.Scheduled))], TimeProvider.System.GetUtcNow());
        await o.Database.QueueAsync(keys, TimeProvider.System.GetUtcNow());
        return (o, new TryIdentity("api", "r1", "a", -1, 1));
    }

    [Fact]
    public async Task AnotherTrysToken_Refused403_OwnTokenServes()
    {
        var (o, a) = await QueuedTryAsync(DatabaseUri());
        await using var _ = o;
        var api = o.Service;
        var b = a with { TaskId = "b" };
        var tokenOfB = api.Tokens.Issue(b);

        var refused = await Assert.ThrowsAsync<ExecutionApiRefusedException>(() => api.StartAsync(tokenOfB, a, "host", 1));
        Assert.Equal(403, refused.StatusCode);
        var oldTry = await Assert.ThrowsAsync<ExecutionApiRefusedException>(() => api.HeartbeatAsync(api.Tokens.Issue(a with { TryNumber = 0 }), a));
        Assert.Equal(403, oldTry.StatusCode);
        Assert.Equal(TaskInstanceState.Queued, (await new TaskInstanceStore(o.Database).GetAsync(new TaskInstanceKey("api", "r1", "a")))!.State);

        var started = await api.StartAsync(api.Tokens.Issue(a), a, "host", 1);
        Assert.NotNull(started);
        Assert.Equal(("a", "manual"), (started.Task.TaskId, started.RunType));
        var xcomOfB = new XComKey("api", "r1", "b", -1, XComKey.ReturnValue);
        Assert.Equal(403, (await Assert.ThrowsAsync<ExecutionApiRefusedException>(() => api.SetXComAsync(api.Tokens.Issue(a), a, xcomOfB, "1"))).StatusCode);
    }

    [Fact]
    public async Task SkipDownstream_OnlyDownstreamTasks_OnlyWhileTheTryOwnsItsRow_OnlyThoseNotStarted()
    {
        var o = await Orchestra.CreateAsync(DatabaseUri());
        await using var _ = o;
        o.WriteDag("skip.cs", Orchestra.DagSource("skip", "var a = dag.Empty(\"a\"); a.Then([dag.Empty(\"b\"), dag.Empty(\"c\")]); dag.Empty(\"d\");"));
        await o.ProcessAsync();
        var run = await o.TriggerAsync("skip", "r1");
        await new DagRunStore(o.Database).TransitionAsync(run.Id, DagRunState.Queued, DagRunState.Running, TimeProvider.System.GetUtcNow());
        var tasks = new TaskInstanceStore(o.Database);
        var keyA = new TaskInstanceKey("skip", "r1", "a");
        await tasks.TransitionAsync([new TaskInstanceChange(keyA, TaskInstanceState.None, TaskInstanceState.Scheduled)], TimeProvider.System.GetUtcNow());
        await o.Database.QueueAsync([keyA], TimeProvider.System.GetUtcNow());
        var a = new TryIdentity("skip", "r1", "a", -1, 1);
        var api = o.Service;
        var token = api.Tokens.Issue(a);

        // Before the try runs it owns nothing it may skip with.
        await Assert.ThrowsAsync<TryNotOwnedException>(() => api.SkipDownstreamAsync(token, a, ["b"]));
        Assert.NotNull(await api.StartAsync(token, a, "host", 1));
        var stranger = await Assert.ThrowsAsync<ExecutionApiRefusedException>(() => api.SkipDownstreamAsync(token, a, ["b", "d"]));
        Assert.Equal((422, "Task 'd' is not downstream of skip.a; a try may skip only its downstream tasks."), (stranger.StatusCode, stranger.Message));
        Assert.Equal(TaskInstanceState.None, (await tasks.GetAsync(new TaskInstanceKey("skip", "r1", "b")))!.State);

        Assert.Equal(2, await api.SkipDownstreamAsync(token, a, ["b", "c"]));
        Assert.Equal(TaskInstanceState.Skipped, (await tasks.GetAsync(new TaskInstanceKey("skip", "r1", "c")))!.State);
        Assert.Equal(0, await api.SkipDownstreamAsync(token, a, ["b"]));
        Assert.Equal(TaskInstanceState.Success, await api.FinishAsync(token, a, TaskInstanceState.Success, retryAllowed: false));
        await Assert.ThrowsAsync<TryNotOwnedException>(() => api.SkipDownstreamAsync(token, a, ["b"]));
    }

    [Fact]
    public async Task SetRenderedFields_OnlyWhileTheTryOwnsItsRunningRow_AStaleTryRefused()
    {
        var (o, a) = await QueuedTryAsync(DatabaseUri());
        await using var _ = o;
        var api = o.Service;
        var token = api.Tokens.Issue(a);
        var store = new RenderedFieldsStore(o.Database);
        var key = new TaskInstanceKey("api", "r1", "a");

        await Assert.ThrowsAsync<TryNotOwnedException>(() => api.SetRenderedFieldsAsync(token, a, new Dictionary<string, string> { ["f"] = "queued" }));
        Assert.NotNull(await api.StartAsync(token, a, "host", 1));
        var stale = a with { TryNumber = 0 };
        await Assert.ThrowsAsync<TryNotOwnedException>(() => api.SetRenderedFieldsAsync(api.Tokens.Issue(stale), stale, new Dictionary<string, string> { ["f"] = "stale" }));
        Assert.Null(await store.GetAsync(key));

        await api.SetRenderedFieldsAsync(token, a, new Dictionary<string, string> { ["f"] = "owned" });
        Assert.Equal("owned", (await store.GetAsync(key))!["f"]);
        Assert.Equal(TaskInstanceState.Success, await api.FinishAsync(token, a, TaskInstanceState.Success, retryAllowed: false));
        await Assert.ThrowsAsync<TryNotOwnedException>(() => api.SetRenderedFieldsAsync(token, a, new Dictionary<string, string> { ["f"] = "late" }));
        Assert.Equal("owned", (await store.GetAsync(key))!["f"]);
    }

    [Fact]
    public async Task ForgedOrExpiredToken_Refused401()
    {
        var (o, a) = await QueuedTryAsync(DatabaseUri());
        await using var _ = o;
        var clock = new ManualClock(TimeProvider.System.GetUtcNow());
        var tokens = new TryTokens("the installation's secret", TimeSpan.FromMinutes(10), clock);
        var forged = new TryTokens("someone else's secret", TimeSpan.FromMinutes(10), clock).Issue(a);

        Assert.Equal(401, (await Assert.ThrowsAsync<ExecutionApiRefusedException>(() => tokens.AuthorizeAsync(forged, a))).StatusCode);
        Assert.Equal(401, (await Assert.ThrowsAsync<ExecutionApiRefusedException>(() => tokens.AuthorizeAsync("", a))).StatusCode);
        var token = tokens.Issue(a);
        await tokens.AuthorizeAsync(token, a);
        clock.Now += TimeSpan.FromMinutes(11);
        var expired = await Assert.ThrowsAsync<ExecutionApiRefusedException>(() => tokens.AuthorizeAsync(token, a));
        Assert.Equal((401, "The execution API token is expired."), (expired.StatusCode, expired.Message));
    }

    [Fact]
    public async Task WorkerEnvironment_HasNoDatabaseUriNorFernetKey_TaskOutputMasked()
    {
        var fernet = UpdraftConfig.GenerateFernetKey();
        await using var o = await Orchestra.CreateAsync(DatabaseUri(), new()
        {
            ["UPDRAFT__CORE__FERNET_KEY"] = fernet,
            ["UPDRAFT__API_AUTH__JWT_SECRET"] = "jwt-secret-value-77",
        });
        var databaseUri = o.Context.Config.Get("database", "connection");
        o.Environment["UPDRAFT__DATABASE__CONNECTION"] = databaseUri;
        await (await o.Context.SecretStoreAsync()).SetConnectionAsync(Core.Connections.Connection.FromUri("warehouse", "postgres://etl:Pa55-w0rd-42@db.example.com/dw"));
        o.WriteDag("leaky.cs", Orchestra.DagSource("leaky", """
            var env = dag.Bash("env", "env | sort");
            var read = dag.Task("read", async (TaskContext ctx) =>
            {
                var conn = await ctx.Connections.GetAsync("warehouse");
                Console.WriteLine($"password {conn!.Password} fernet {Environment.GetEnvironmentVariable("UPDRAFT__CORE__FERNET_KEY") ?? "unset"}");
            });
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("leaky");

        await o.RunToCompletionAsync(engine, executor);

        Assert.Equal("success", await o.RunStateAsync("leaky", run.RunId));
        var envLog = o.ReadLog("leaky", run.RunId, "env", 1);
        Assert.Contains("UPDRAFT_HOME=", envLog);
        Assert.DoesNotContain(fernet, envLog);
        Assert.DoesNotContain("jwt-secret-value-77", envLog);
        Assert.DoesNotContain("UPDRAFT__DATABASE__CONNECTION", envLog);
        Assert.DoesNotContain(databaseUri, envLog);
        var readLog = o.ReadLog("leaky", run.RunId, "read", 1);
        Assert.Contains("password *** fernet unset", readLog);
        Assert.DoesNotContain("Pa55-w0rd-42", readLog);
    }
}

public sealed class SqliteExecutionApiTests : ExecutionApiTests
{
    protected override string? DatabaseUri() => null;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresExecutionApiTests(PostgresServer server) : ExecutionApiTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}

[Collection(MariaDbCollection.Name)]
public sealed class MariaDbExecutionApiTests(MariaDbServer server) : ExecutionApiTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}
