using Updraft.Core.States;
using Updraft.Tests.Shared;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// A task that throws, exits, overflows the stack, exhausts memory or hangs fails on its own; the rest keep running.
/// Run against SQLite and PostgreSQL by the subclasses.
/// </summary>
public abstract class IsolationTests
{
    /// <summary>The database URI, or null for the default embedded SQLite database.</summary>
    protected abstract string? DatabaseUri();

    private async Task<(Dictionary<string, TaskInstanceRecord> Tasks, Orchestra Orchestra, string RunId)> RunAsync(string badTask, Dictionary<string, string>? workerEnvironment = null)
    {
        var uri = DatabaseUri();
        var o = new Orchestra(uri ?? "", new());
        if (uri is null)
        {
            o.Environment.Remove("UPDRAFT__DATABASE__CONNECTION");
        }

        await o.MigrateAsync();
        o.WriteDag("isolation.cs", Orchestra.DagSource("isolation", $$"""
            {{badTask}}
            bad.Retries = 0;
            var healthy = dag.Bash("healthy", "sleep 0.5; echo fine");
            _ = new TaskSet { bad, healthy } >> dag.Empty("after_all");
            dag.GetTask("after_all").TriggerRule = TriggerRule.AllDone;
            """));
        await o.ProcessAsync();
        var (engine, executor) = o.NewScheduler(parallelism: 4, workerEnvironment: workerEnvironment);
        var run = await o.TriggerAsync("isolation");
        await o.RunToCompletionAsync(engine, executor, TimeSpan.FromSeconds(120));
        return (await o.TasksAsync("isolation", run.RunId), o, run.RunId);
    }

    [Theory]
    [InlineData("throws", "var bad = dag.Task(\"bad\", (TaskContext ctx) => throw new InvalidOperationException(\"boom\"));", "InvalidOperationException: boom")]
    [InlineData("exits", "var bad = dag.Task(\"bad\", (TaskContext ctx) => Environment.Exit(3));", "exited with code 3")]
    [InlineData("stack overflow", "var bad = dag.Task(\"bad\", (TaskContext ctx) => Recurse(1)); static int Recurse(int n) => Recurse(n + 1) + 1;", "exited with code 134")]
    [InlineData("hangs past its timeout", "var bad = dag.Task(\"bad\", (TaskContext ctx) => { while (true) { } }); bad.ExecutionTimeout = TimeSpan.FromSeconds(1);", "timed out after 1 seconds")]
    [InlineData("bash hangs past its timeout", "var bad = dag.Bash(\"bad\", \"sleep 120\"); bad.ExecutionTimeout = TimeSpan.FromSeconds(1);", "timed out after 1 seconds")]
    public async Task BadTask_FailsAloneAndOthersRun(string what, string badTask, string logged)
    {
        var (tasks, o, runId) = await RunAsync(badTask);
        await using (o)
        {
            Assert.True(tasks["bad"].State.ToWireName() == "failed", $"{what}: bad task ended {tasks["bad"].State}");
            Assert.Equal("success", tasks["healthy"].State.ToWireName());
            Assert.Equal("success", tasks["after_all"].State.ToWireName());
            Assert.Contains(logged, o.ReadLog("isolation", runId, "bad", 1));
        }
    }

    [Fact]
    public async Task MemoryExhaustion_FailsTheTaskNotTheWorkerPool()
    {
        var (tasks, o, runId) = await RunAsync(
            "var bad = dag.Task(\"bad\", (TaskContext ctx) => { var hoard = new List<byte[]>(); while (true) { hoard.Add(new byte[1 << 20]); } });",
            new() { ["DOTNET_GCHeapHardLimit"] = "0x10000000" });
        await using (o)
        {
            Assert.Equal("failed", tasks["bad"].State.ToWireName());
            Assert.Equal("success", tasks["healthy"].State.ToWireName());
            Assert.Contains("ran out of memory", o.ReadLog("isolation", runId, "bad", 1));
        }
    }
}

public sealed class SqliteIsolationTests : IsolationTests
{
    protected override string? DatabaseUri() => null;
}

[Collection(Updraft.Tests.Shared.PostgresCollection.Name)]
public sealed class PostgresIsolationTests(Updraft.Tests.Shared.PostgresServer server) : IsolationTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}

[Collection(Updraft.Tests.Shared.MariaDbCollection.Name)]
public sealed class MariaDbIsolationTests(Updraft.Tests.Shared.MariaDbServer server) : IsolationTests
{
    protected override string? DatabaseUri() => server.CreateDatabase();
}
