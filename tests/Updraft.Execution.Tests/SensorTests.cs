using Updraft.Core.DagRuns;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Testing;
using Updraft.Tests.Shared;

namespace Updraft.Execution.Tests;

/// <summary>Sensors in <c>dag.Test()</c>, poke mode: function, file, time sensors; timeouts and soft fail.</summary>
public sealed class SensorTests : IDisposable
{
    private static readonly TimeSpan Quick = TimeSpan.FromMilliseconds(20);
    private readonly List<string> _log = [];
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "updraft-sensors-" + Guid.NewGuid().ToString("N"));

    public SensorTests() => Directory.CreateDirectory(_folder);

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private DagTestResult Run(Dag dag, IConnectionStore? connections = null) =>
        dag.Test(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), options: new DagTestOptions { Log = new LineSink(_log), Connections = connections });

    [Fact]
    public void FunctionSensor_PokesUntilDone_ItsTypedValueFlowsDownstream()
    {
        var dag = new Dag("fn");
        var pokes = 0;
        var ready = dag.Sensor("ready", ctx => ++pokes < 3 ? new PokeResult<string>(false) : new PokeResult<string>(true, $"batch-{pokes}"))
            .With(s => s.PokeInterval = Quick);
        dag.Task("use", ready, (string batch) => batch.ToUpperInvariant());

        var result = Run(dag);

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(3, pokes);
        Assert.Equal("BATCH-3", result.XComValue<string>("use"));
        Assert.Contains("Success criteria met. Exiting.", _log);
        Assert.Equal("PythonSensor", ready.OperatorName);
    }

    [Fact]
    public void Timeout_FailsWithoutRetry_SoftFailSkipsAndDownstreamSkips()
    {
        var dag = new Dag("timeouts");
        var hard = dag.Sensor("hard", _ => false).With(s =>
        {
            s.PokeInterval = Quick;
            s.Timeout = TimeSpan.FromMilliseconds(100);
            s.Retries = 3;
        });
        var soft = dag.Sensor("soft", _ => false).With(s =>
        {
            s.PokeInterval = Quick;
            s.Timeout = TimeSpan.FromMilliseconds(100);
            s.SoftFail = true;
        });
        soft.Then(dag.Empty("after_soft"));

        var result = Run(dag);

        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["hard"]);
        Assert.Equal(1, result.TaskInstanceTries[new TaskInstanceId("hard")]);
        Assert.Equal((TaskInstanceState.Skipped, TaskInstanceState.Skipped), (result.TaskStates["soft"], result.TaskStates["after_soft"]));
        Assert.Contains(_log, l => l.StartsWith("Task failed without retrying: Sensor has timed out; run duration of ", StringComparison.Ordinal)
            && l.EndsWith("exceeds the specified timeout of 0.1.", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.EndsWith("exceeds the specified timeout of 0.1. Skipping (soft fail).", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FileSensor_WaitsForTheFile_GlobsAndRelativePathsUnderTheConnection()
    {
        var landing = Path.Combine(_folder, "landing");
        Directory.CreateDirectory(landing);
        var dag = new Dag("files");
        var exact = dag.FileSensor("exact", Path.Combine(landing, "orders_{{ ds_nodash }}.csv")).With(s => s.PokeInterval = Quick);
        var glob = dag.FileSensor("glob", "landing/*.csv").With(s => s.PokeInterval = Quick);
        dag.Task("files_found", glob, (string[] found) => found.Length);
        var connections = new EnvironmentSecrets(new Dictionary<string, string>
        {
            ["UPDRAFT_CONN_FS_DEFAULT"] = "{\"conn_type\": \"fs\", \"extra\": {\"path\": \"" + _folder + "\"}}",
        });

        var writer = Task.Run(async () =>
        {
            await Task.Delay(150);
            await File.WriteAllTextAsync(Path.Combine(landing, "orders_20250301.csv"), "id\n1\n");
        });
        var result = Run(dag, connections);
        await writer;

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        Assert.Contains(_log, l => l == $"Poking for file {Path.Combine(landing, "orders_20250301.csv")}");
        Assert.Contains(_log, l => l == $"Poking for file {Path.Combine(_folder, "landing/*.csv")}");
        Assert.Equal(1, result.XComValue<int>("files_found"));
        Assert.Equal("FileSensor", exact.OperatorName);
    }

    [Fact]
    public void TimeSensors_PastTargetsAreDoneAtOnce_AFutureOneWaits_ABadTargetFails()
    {
        var dag = new Dag("times");
        dag.TimeDeltaSensor("after_interval", TimeSpan.FromHours(2)).With(s => s.PokeInterval = Quick);
        dag.DateTimeSensor("past", "{{ data_interval_end }}").With(s => s.PokeInterval = Quick);
        dag.DateTimeSensor("soon", TimeProvider.System.GetUtcNow().AddMilliseconds(300).ToString("O")).With(s => s.PokeInterval = Quick);
        dag.DateTimeSensor("bad", "next tuesday").With(s => s.PokeInterval = Quick);

        var result = Run(dag);

        Assert.Equal(TaskInstanceState.Success, result.TaskStates["after_interval"]);
        Assert.Equal("2025-03-01T02:00:00+00:00", result.XComValue<string>("after_interval"));
        Assert.Equal(TaskInstanceState.Success, result.TaskStates["past"]);
        Assert.Equal(TaskInstanceState.Success, result.TaskStates["soon"]);
        Assert.True(_log.Count(l => l.StartsWith("Checking if the time", StringComparison.Ordinal)) >= 4);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["bad"]);
        Assert.Contains(_log, l => l.Contains("Sensor 'bad': target_time 'next tuesday' is not a date and time", StringComparison.Ordinal));
    }

    [Fact]
    public void RescheduleMode_EachPokeARunOfTheSameTry_OtherTasksRunBetween_TimeoutCountsFromTheFirstPoke()
    {
        var dag = new Dag("reschedule");
        var pokes = new List<int>();
        var ready = dag.Sensor("ready", ctx =>
        {
            pokes.Add(ctx.TryNumber);
            return pokes.Count == 3 ? new PokeResult<int>(true, pokes.Count) : new PokeResult<int>(false);
        }).With(s =>
        {
            s.Mode = SensorMode.Reschedule;
            s.PokeInterval = TimeSpan.FromMilliseconds(100);
        });
        dag.Task("meanwhile", ctx => ctx.Log.Info("ran while the sensor waited"));
        dag.Sensor("never", _ => false).With(s =>
        {
            s.Mode = SensorMode.Reschedule;
            s.PokeInterval = TimeSpan.FromMilliseconds(100);
            s.Timeout = TimeSpan.FromMilliseconds(250);
        });

        var result = Run(dag);

        Assert.Equal(TaskInstanceState.Success, result.TaskStates["ready"]);
        Assert.Equal([1, 1, 1], pokes);
        Assert.Equal(3, result.XComValue<int>("ready"));
        Assert.Equal(1, result.TaskInstanceTries[new TaskInstanceId("ready")]);
        Assert.True(_log.IndexOf("ran while the sensor waited") < _log.FindLastIndex(l => l.StartsWith("Rescheduling", StringComparison.Ordinal)));
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["never"]);
        Assert.Contains(_log, l => l.Contains("Sensor has timed out", StringComparison.Ordinal) && l.Contains("exceeds the specified timeout of 0.25", StringComparison.Ordinal));
        Assert.True(_log.Count(l => l.Contains("Marking the task as UP_FOR_RESCHEDULE", StringComparison.Ordinal)) >= 4);
    }
}
