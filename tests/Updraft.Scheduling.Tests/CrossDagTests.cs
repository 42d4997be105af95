using System.Text.Json.Nodes;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Testing;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// Cross-DAG tasks in <c>dag.Test()</c> with <see cref="RecordingDagRuns"/>; the same tasks against the real
/// orchestrator, in worker processes, are in <see cref="SchedulerTests"/>.
/// </summary>
public sealed class CrossDagTests
{
    private static readonly DateTimeOffset Date = new(2025, 3, 1, 0, 0, 0, TimeSpan.Zero);
    private readonly List<string> _log = [];

    private DagTestResult Run(Dag dag, IDagRunClient? runs) => dag.Test(Date, options: new DagTestOptions { Log = new LineSink(_log), DagRuns = runs });

    [Fact]
    public void TriggerDagRun_TemplatedIdAndConf_WaitsForTheRun_AndFailsWhenItFails()
    {
        var runs = new RecordingDagRuns { KnownDags = new HashSet<string> { "target" } };
        var dag = new Dag("parent");
        dag.TriggerDagRun("fire", "target").With(t =>
        {
            t.TriggerRunId = "from_parent_{{ ds_nodash }}";
            t.LogicalDate = "{{ ts }}";
            t.Conf = new JsonObject { ["day"] = "{{ ds }}", ["nested"] = new JsonObject { ["n"] = 3, ["s"] = "{{ dag.dag_id }}" } };
            t.WaitForCompletion = true;
            t.PokeInterval = TimeSpan.FromMilliseconds(10);
        });
        dag.TriggerDagRun("fire_failing", "target").With(t =>
        {
            t.TriggerRunId = "second";
            t.WaitForCompletion = true;
            t.PokeInterval = TimeSpan.FromMilliseconds(10);
        });
        dag.TriggerDagRun("unknown", "nowhere");

        runs.NewRunState = "success";
        var result = Run(dag, new FailSecond(runs));

        Assert.Equal(TaskInstanceState.Success, result.TaskStates["fire"]);
        Assert.Equal("from_parent_20250301", result.XComValue<string>("fire"));
        var fired = runs.Triggered.First(t => t.RunId == "from_parent_20250301");
        Assert.Equal(("target", Date), (fired.DagId, fired.LogicalDate));
        Assert.Equal("{\"day\":\"2025-03-01\",\"nested\":{\"n\":3,\"s\":\"parent\"}}", fired.Conf!.ToJsonString());
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["fire_failing"]);
        Assert.Contains(_log, l => l.Contains("target failed with failed state failed", StringComparison.Ordinal));
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["unknown"]);
        Assert.Contains(_log, l => l.Contains("DAG 'nowhere' not found.", StringComparison.Ordinal));
    }

    [Fact]
    public void TriggerDagRun_ExistingRun_FailsOrSkips_AndWithoutAnOrchestratorSaysSo()
    {
        var runs = new RecordingDagRuns();
        runs.SetRunState("target", "taken", "success");
        var dag = new Dag("parent");
        dag.TriggerDagRun("fails", "target").With(t => t.TriggerRunId = "taken");
        dag.TriggerDagRun("skips", "target").With(t =>
        {
            t.TriggerRunId = "taken";
            t.SkipWhenAlreadyExists = true;
        });

        var result = Run(dag, runs);
        var alone = Run(dag, null);

        Assert.Equal((TaskInstanceState.Failed, TaskInstanceState.Skipped), (result.TaskStates["fails"], result.TaskStates["skips"]));
        Assert.Contains(_log, l => l.Contains("A DAG run 'taken' of DAG 'target' already exists.", StringComparison.Ordinal));
        Assert.Equal(TaskInstanceState.Failed, alone.TaskStates["fails"]);
        Assert.Contains(_log, l => l.Contains("Task 'fails' triggers DAG 'target', which needs the orchestrator", StringComparison.Ordinal));
    }

    [Fact]
    public void ExternalTask_WaitsForTheTaskAtTheSameLogicalDate_FailedStatesFail_TimeoutFailsOrSoftFails()
    {
        var runs = new RecordingDagRuns();
        runs.SetState("upstream", "load", Date, "success");
        runs.SetState("upstream", null, Date.AddDays(-1), "failed");
        var dag = new Dag("downstream");
        dag.ExternalTask("wait_load", "upstream", "load").With(t => t.PokeInterval = TimeSpan.FromMilliseconds(10));
        dag.ExternalTask("wait_yesterday", "upstream").With(t =>
        {
            t.ExecutionDelta = TimeSpan.FromDays(1);
            t.FailedStates = ["failed"];
            t.PokeInterval = TimeSpan.FromMilliseconds(10);
        });
        dag.ExternalTask("wait_never", "upstream", "report").With(t =>
        {
            t.PokeInterval = TimeSpan.FromMilliseconds(10);
            t.Timeout = TimeSpan.FromMilliseconds(60);
        });
        dag.ExternalTask("soft", "upstream", "report").With(t =>
        {
            t.PokeInterval = TimeSpan.FromMilliseconds(10);
            t.Timeout = TimeSpan.FromMilliseconds(60);
            t.SoftFail = true;
        });

        var result = Run(dag, runs);

        Assert.Equal(TaskInstanceState.Success, result.TaskStates["wait_load"]);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["wait_yesterday"]);
        Assert.Contains(_log, l => l.Contains("The external DAG upstream on 2025-02-28T00:00:00+00:00 is failed.", StringComparison.Ordinal));
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["wait_never"]);
        Assert.True(_log.Any(l => l.StartsWith("Task failed without retrying: Sensor has timed out; run duration of ", StringComparison.Ordinal) && l.EndsWith("exceeds the specified timeout of 0.06.", StringComparison.Ordinal)), string.Join("\n", _log));
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["soft"]);
        Assert.Contains(_log, l => l.StartsWith("Poking for task upstream.report on 2025-03-01T00:00:00+00:00: no run yet", StringComparison.Ordinal));
    }

    /// <summary>Runs triggered with id "second" end failed.</summary>
    private sealed class FailSecond(RecordingDagRuns inner) : IDagRunClient
    {
        public async Task TriggerAsync(string dagId, string runId, DateTimeOffset logicalDate, JsonObject? conf, CancellationToken cancellationToken = default)
        {
            await inner.TriggerAsync(dagId, runId, logicalDate, conf, cancellationToken);
            if (runId == "second")
            {
                inner.SetRunState(dagId, runId, "failed");
            }
        }

        public Task<string?> GetRunStateAsync(string dagId, string runId, CancellationToken cancellationToken = default) => inner.GetRunStateAsync(dagId, runId, cancellationToken);

        public Task<string?> GetStateAtAsync(string dagId, string? taskId, DateTimeOffset logicalDate, CancellationToken cancellationToken = default) =>
            inner.GetStateAtAsync(dagId, taskId, logicalDate, cancellationToken);
    }
}
