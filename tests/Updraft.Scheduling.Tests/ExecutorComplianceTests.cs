using System.Globalization;
using Updraft.Core.States;
using Updraft.Scheduling.Executors;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// What every executor must do (<see cref="IExecutor"/>), whatever it runs tries on: take batches, run each try once
/// and report it ended, keep its open slots honest, terminate a try it runs (its processes too), report a try whose
/// process died as lost, and complete its events when stopped. Each implementation (and configuration) subclasses it.
/// </summary>
public abstract class ExecutorComplianceTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    /// <summary>The executor under test, on <paramref name="o"/>'s installation.</summary>
    protected abstract IExecutor CreateExecutor(Orchestra o);

    protected abstract int Slots { get; }

    /// <summary>Writes a DAG of <paramref name="tasks"/> (id → Bash command), triggers it and queues them for <paramref name="executor"/>.</summary>
    private static async Task<IReadOnlyList<TaskInstanceRecord>> QueueAsync(Orchestra o, IExecutor executor, string dagId, params (string TaskId, string Command)[] tasks)
    {
        o.WriteDag($"{dagId}.cs", Orchestra.DagSource(dagId, string.Concat(tasks.Select(t => $"dag.Bash(\"{t.TaskId}\", \"{t.Command}\");\n"))));
        await o.ProcessAsync();
        var run = await o.TriggerAsync(dagId);
        var now = TimeProvider.System.GetUtcNow();
        await new DagRunStore(o.Database).TransitionAsync(run.Id, DagRunState.Queued, DagRunState.Running, now);
        var keys = tasks.Select(t => new TaskInstanceKey(dagId, run.RunId, t.TaskId)).ToList();
        await new TaskInstanceStore(o.Database).TransitionAsync([.. keys.Select(k => new TaskInstanceChange(k, TaskInstanceState.None, TaskInstanceState.Scheduled))], now);
        var queued = await o.Database.QueueAsync(keys, now, executor.Name);
        Assert.Equal(tasks.Length, queued.Count);
        return queued;
    }

    private static async Task<ExecutorEvent> NextEventAsync(IExecutor executor)
    {
        using var limit = new CancellationTokenSource(Patience);
        return await executor.Events.ReadAsync(limit.Token);
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = TimeProvider.System.GetUtcNow() + Patience;
        while (!await condition())
        {
            Assert.True(TimeProvider.System.GetUtcNow() < deadline, "timed out");
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Batches_EachTryRunsOnceAndIsReportedEnded()
    {
        await using var o = await Orchestra.CreateAsync(null);
        var executor = CreateExecutor(o);
        await executor.StartAsync();
        Assert.Equal(Slots, executor.OpenSlots);
        var queued = new Queue<TaskInstanceRecord>(await QueueAsync(o, executor, "batch", [.. Enumerable.Range(0, 5).Select(i => ($"t{i}", $"echo ran {i}"))]));
        var ended = new List<ExecutorEvent>();
        while (ended.Count < 5)
        {
            // As the scheduler does: never more than the open slots in one batch.
            var batch = new List<TaskInstanceRecord>();
            while (queued.Count > 0 && batch.Count < executor.OpenSlots)
            {
                batch.Add(queued.Dequeue());
            }

            await executor.SubmitAsync(batch);
            ended.Add(await NextEventAsync(executor));
        }

        Assert.Equal(5, ended.Select(e => e.Key).Distinct().Count());
        Assert.All(ended, e => Assert.Equal((false, true, 1), (e.Lost, e.Recorded, e.TryNumber)));
        var states = await o.TasksAsync("batch", ended[0].Key.RunId);
        Assert.All(states.Values, t => Assert.Equal(TaskInstanceState.Success, t.State));
        Assert.Contains("ran 3", o.ReadLog("batch", ended[0].Key.RunId, "t3", 1));
        await WaitUntilAsync(() => Task.FromResult(executor.OpenSlots == Slots));
        Assert.False(executor.Events.TryRead(out _));
        await executor.StopAsync();
    }

    [Fact]
    public async Task Terminate_StopsTheTryAndItsProcesses_ReportedLost()
    {
        await using var o = await Orchestra.CreateAsync(null);
        var executor = CreateExecutor(o);
        await executor.StartAsync();
        var pidFile = Path.Combine(o.Home, "sleep.pid");
        var ti = (await QueueAsync(o, executor, "long", ("sleep", $"sleep 120 & echo $! > {pidFile}; wait")))[0];
        await executor.SubmitAsync([ti]);
        Assert.Equal(Slots - 1, executor.OpenSlots);
        await WaitUntilAsync(() => Task.FromResult(File.Exists(pidFile) && File.ReadAllText(pidFile).Trim().Length > 0));
        var sleepPid = int.Parse(File.ReadAllText(pidFile).Trim(), CultureInfo.InvariantCulture);
        Assert.True(Directory.Exists($"/proc/{sleepPid}"));

        Assert.False(await executor.TerminateAsync(ti.Key with { TaskId = "other" }, ti.TryNumber));
        Assert.False(await executor.TerminateAsync(ti.Key, ti.TryNumber + 1));
        Assert.True(await executor.TerminateAsync(ti.Key, ti.TryNumber));

        var ended = await NextEventAsync(executor);
        Assert.Equal((ti.Key, ti.TryNumber, true), (ended.Key, ended.TryNumber, ended.Lost));
        await WaitUntilAsync(() => Task.FromResult(!Directory.Exists($"/proc/{sleepPid}") || File.ReadAllText($"/proc/{sleepPid}/stat").Split(' ')[2] == "Z"));
        await WaitUntilAsync(() => Task.FromResult(executor.OpenSlots == Slots));
        Assert.False(await executor.TerminateAsync(ti.Key, ti.TryNumber));
        await executor.StopAsync();
    }

    [Fact]
    public async Task ProcessKilled_TryReportedLostWithReason()
    {
        await using var o = await Orchestra.CreateAsync(null);
        var executor = CreateExecutor(o);
        await executor.StartAsync();

        // The task kills the process that runs it, as an OOM killer or a crash would.
        var ti = (await QueueAsync(o, executor, "crash", ("die", "kill -9 $PPID; sleep 30")))[0];
        await executor.SubmitAsync([ti]);
        var ended = await NextEventAsync(executor);
        Assert.Equal((ti.Key, true), (ended.Key, ended.Lost));
        Assert.False(string.IsNullOrWhiteSpace(ended.Reason));
        Assert.Equal(TaskInstanceState.Running, (await new TaskInstanceStore(o.Database).GetAsync(ti.Key))!.State);
        await executor.StopAsync();
    }

    [Fact]
    public async Task Stop_CompletesEvents()
    {
        await using var o = await Orchestra.CreateAsync(null);
        var executor = CreateExecutor(o);
        await executor.StartAsync();
        var ti = (await QueueAsync(o, executor, "quick", ("hi", "echo hi")))[0];
        await executor.SubmitAsync([ti]);
        Assert.Equal(ti.Key, (await NextEventAsync(executor)).Key);
        await executor.StopAsync();
        using var limit = new CancellationTokenSource(Patience);
        await executor.Events.Completion.WaitAsync(limit.Token);
        Assert.False(await executor.Events.WaitToReadAsync());
    }
}

public sealed class LocalExecutorComplianceTests : ExecutorComplianceTests
{
    protected override int Slots => 3;

    protected override IExecutor CreateExecutor(Orchestra o) => o.NewExecutor(LocalExecutor.DefaultName, Slots);
}

public sealed class SequentialExecutorComplianceTests : ExecutorComplianceTests
{
    protected override int Slots => 1;

    protected override IExecutor CreateExecutor(Orchestra o) => o.NewExecutor("SequentialExecutor", Slots);
}
