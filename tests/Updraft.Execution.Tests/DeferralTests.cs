using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Updraft.Core.DagRuns;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Core.Triggers;
using Updraft.Execution.Tasks;
using Updraft.Execution.Testing;
using Updraft.Tests.Shared;

namespace Updraft.Execution.Tests;

/// <summary>Deferrable tasks in <c>dag.Test()</c>: defer on a trigger, resume in a method with the event, failures of the trigger.</summary>
public sealed class DeferralTests
{
    private static readonly TimeSpan Soon = TimeSpan.FromMilliseconds(150);
    private readonly List<string> _log = [];

    private DagTestResult Run(Dag dag) =>
        dag.Test(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), options: new DagTestOptions { Log = new LineSink(_log) });

    [Fact]
    public void ATaskDefers_OtherTasksRunMeanwhile_ItResumesInItsMethodWithTheEventAndItsValues_UnderTheSameTry()
    {
        var dag = new Dag("deferring");
        var waits = new WaitingOperator(dag, "wait", "Resumed");
        var plain = dag.Task("plain", (TaskContext ctx) => ctx.Log.Info("plain ran"));
        dag.Task("after", waits, (string got) => got.ToUpperInvariant());

        var result = Run(dag);

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        Assert.StartsWith("RESUMED AT 20", result.XComValue<string>("after"));
        Assert.EndsWith("WITH 42", result.XComValue<string>("after"));
        Assert.Contains(_log, l => l.StartsWith("Pausing task as DEFERRED: Deferring the task on DateTimeTrigger", StringComparison.Ordinal));
        Assert.True(_log.IndexOf("plain ran") < _log.FindIndex(l => l.StartsWith("Trigger DateTimeTrigger fired", StringComparison.Ordinal)), "the plain task ran while the other waited");
        Assert.Equal(2, _log.Count(l => l.StartsWith("Starting attempt 1 of 1 for deferring.wait", StringComparison.Ordinal)));
        Assert.DoesNotContain(_log, l => l.StartsWith("Starting attempt 2", StringComparison.Ordinal));
        Assert.Equal(TaskInstanceState.Success, result.TaskStates[plain.TaskId]);
    }

    [Fact]
    public void ACallableTask_DefersAndRunsAgainWithTheEvent()
    {
        var dag = new Dag("callable");
        dag.Task("wait", ctx =>
        {
            if (ctx.TriggerEvent is null)
            {
                ctx.Defer(DateTimeTrigger.After(Soon, ctx.Clock));
            }

            return "resumed with " + ctx.TriggerEvent!.Payload!.GetValue<string>()[..2];
        });

        var result = Run(dag);

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        Assert.Equal("resumed with 20", result.XComValue<string>("wait"));
    }

    [Fact]
    public void ATriggerThatThrows_TimesOut_CannotBeSerialized_OrAMissingMethod_FailsTheTaskSaySo()
    {
        var dag = new Dag("broken_triggers");
        Operator[] tasks =
        [
            new DeferOnce(dag, "throws", new ThrowingTrigger { Why = "broker down" }, "Resumed") { Retries = 0 },
            new DeferOnce(dag, "times_out", new DateTimeTrigger(DateTimeOffset.MaxValue), "Resumed", TimeSpan.FromMilliseconds(100)) { Retries = 0 },
            new DeferOnce(dag, "unserializable", new UnserializableTrigger(), "Resumed"),
            new DeferOnce(dag, "no_method", DateTimeTrigger.After(TimeSpan.Zero, TimeProvider.System), "Nowhere"),
        ];

        var result = Run(dag);

        Assert.True(tasks.All(t => result.TaskStates[t.TaskId] == TaskInstanceState.Failed), string.Join("\n", _log));
        Assert.Contains(_log, l => l.Contains("Trigger failure: InvalidOperationException: broker down", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.Contains("Trigger timeout: the task did not resume within 0.1 s.", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.Contains("Trigger UnserializableTrigger cannot be serialized", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.Contains("Cannot resume task 'no_method': DeferOnce has no method Nowhere(TaskContext, TriggerEvent).", StringComparison.Ordinal));
    }

    [Fact]
    public void AResumeMethodReturningAValueTask_IsAwaited_AndAHugeDeferralTimeoutIsNoLimit()
    {
        var dag = new Dag("value_task");
        new DeferOnce(dag, "wait", DateTimeTrigger.After(TimeSpan.Zero, TimeProvider.System), "ResumedValue", TimeSpan.MaxValue).Then(new DeferOnce(dag, "plain_method", DateTimeTrigger.After(TimeSpan.Zero, TimeProvider.System), "Resumed"));

        var result = Run(dag);

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        Assert.Equal("resumed later wait", result.XComValue<string>("wait"));
        Assert.Equal("resumed plain_method", result.XComValue<string>("plain_method"));
    }

    [Fact]
    public void ADeferrableSensor_WaitsInTheTriggerBetweenPokes()
    {
        var dag = new Dag("deferrable_sensor");
        var pokes = 0;
        dag.Sensor("ready", _ => ++pokes >= 3).With(s =>
        {
            s.PokeInterval = TimeSpan.FromMilliseconds(30);
            s.Deferrable = true;
        });

        var result = Run(dag);

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        Assert.Equal(3, pokes);
        Assert.Equal(2, _log.Count(l => l.StartsWith("Pausing task as DEFERRED", StringComparison.Ordinal)));
        Assert.Equal(3, _log.Count(l => l.StartsWith("Starting attempt 1 of 1 for deferrable_sensor.ready", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task DeferrableSensorsWithTriggersOfTheirOwn_DeferOnce_AndPokeAgainWhenTheirTriggerFires()
    {
        var folder = Directory.CreateTempSubdirectory("updraft-defer-").FullName;
        var target = Path.Combine(folder, "ready.csv");
        var dagRuns = new RecordingDagRuns();
        var logicalDate = new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var dag = new Dag("own_triggers");
        dag.FileSensor("file", target).With(s => { s.Deferrable = true; s.PokeInterval = TimeSpan.FromMilliseconds(50); });
        var soon = TimeProvider.System.GetUtcNow().AddMilliseconds(300);
        dag.DateTimeSensor("moment", soon.ToString("O", System.Globalization.CultureInfo.InvariantCulture)).With(s => { s.Deferrable = true; s.PokeInterval = TimeSpan.FromHours(1); });
        dag.ExternalTask("upstream", "other", "load").With(s => { s.Deferrable = true; s.PokeInterval = TimeSpan.FromMilliseconds(50); });
        var writer = Task.Run(async () =>
        {
            await Task.Delay(200);
            await File.WriteAllTextAsync(target, "a,b");
            dagRuns.SetState("other", "load", logicalDate, "success");
        });

        var result = dag.Test(logicalDate, options: new DagTestOptions { Log = new LineSink(_log), DagRuns = dagRuns });
        await writer;

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        Assert.Equal([target], result.XComValue<string[]>("file")!);
        Assert.Contains(_log, l => l.StartsWith("Pausing task as DEFERRED: Deferring the task on FileTrigger", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.StartsWith("Pausing task as DEFERRED: Deferring the task on WorkflowTrigger", StringComparison.Ordinal));

        // The date-time sensor waits for its moment in one deferral, however long its poke interval.
        Assert.Equal(1, _log.Count(l => l.StartsWith("Pausing task as DEFERRED: Deferring the task on DateTimeTrigger", StringComparison.Ordinal)));
        Assert.Contains(_log, l => l.StartsWith("Found " + target, StringComparison.Ordinal));
    }

    [Fact]
    public void ADeferrableSensorPastItsTimeout_FailsWithoutRetrying_OrSkipsWithSoftFail()
    {
        var dag = new Dag("sensor_timeouts");
        var missing = Path.Combine(Path.GetTempPath(), "updraft-never-" + Guid.NewGuid().ToString("N"));
        dag.FileSensor("fails", missing).With(s => { s.Deferrable = true; s.Timeout = TimeSpan.FromMilliseconds(200); s.Retries = 3; });
        dag.FileSensor("skips", missing).With(s => { s.Deferrable = true; s.Timeout = TimeSpan.FromMilliseconds(200); s.SoftFail = true; });

        var result = Run(dag);

        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["fails"]);
        Assert.Equal(1, result.Tries["fails"]);
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["skips"]);
        Assert.Contains(_log, l => l.Contains("Sensor has timed out while deferred: Trigger timeout", StringComparison.Ordinal));
    }

    [Fact]
    public async Task WhereNothingRunsTriggers_ADeferralFailsTheTrySayingWhy()
    {
        var dag = new Dag("worker");
        var task = new WaitingOperator(dag, "wait", "Resumed");
        var run = new DagRunContext("worker", "manual__x", DagRunType.Manual, DateTimeOffset.UnixEpoch, new Core.Timetables.DataInterval(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        var settings = Core.Serialization.DagSerializer.Serialize(dag, new()).GetTask("wait");

        var result = await new TaskRunner(TimeProvider.System).RunAsync(
            new TaskRunRequest(task, settings, run, 1, new InMemoryXComStore(), EnvironmentSecrets.FromProcess(), EnvironmentSecrets.FromProcess(), new LineSink(_log)));

        Assert.Equal(TaskInstanceState.Failed, result.State);
        Assert.False(result.RetryAllowed);
        Assert.Contains("nothing where it runs would wait on the trigger", result.Error);
    }

    private sealed class WaitingOperator(Dag dag, string taskId, string method) : Operator(dag, taskId), ITaskResult<string>
    {
        public Operator Producer => this;

        public override Task<object?> ExecuteAsync(TaskContext context)
        {
            context.Defer(DateTimeTrigger.After(Soon, context.Clock), method, kwargs: new JsonObject { ["answer"] = 42 });
            return Task.FromResult<object?>(null);
        }

        public Task<object?> Resumed(TaskContext context, TriggerEvent @event) =>
            Task.FromResult<object?>($"resumed at {@event.Payload!.GetValue<string>()} with {context.NextKwargs!["answer"]} ({TaskId})"[..^(TaskId.Length + 3)]);
    }

    private sealed class DeferOnce(Dag dag, string taskId, Trigger trigger, string method, TimeSpan? timeout = null) : Operator(dag, taskId)
    {
        public override Task<object?> ExecuteAsync(TaskContext context)
        {
            context.Defer(trigger, method, timeout);
            return Task.FromResult<object?>(null);
        }

        public string Resumed(TaskContext context, TriggerEvent @event) => "resumed " + TaskId;

        public async ValueTask<string> ResumedValue(TaskContext context, TriggerEvent @event)
        {
            await Task.Delay(10, context.CancellationToken);
            return "resumed later " + TaskId;
        }
    }

    private sealed class ThrowingTrigger : Trigger
    {
        public string Why { get; init; } = "";

        public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            throw new InvalidOperationException(Why);
#pragma warning disable CS0162 // An iterator needs a yield.
            yield break;
#pragma warning restore CS0162
        }
    }

    private sealed class UnserializableTrigger : Trigger
    {
        public Func<bool> Check { get; init; } = () => true;

        public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            await Task.Yield();
            yield return new TriggerEvent();
        }
    }
}
