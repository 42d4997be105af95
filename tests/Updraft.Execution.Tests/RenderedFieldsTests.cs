using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Tasks;
using Updraft.Execution.Testing;
using Updraft.Tests.Shared;

namespace Updraft.Execution.Tests;

/// <summary>The task runner hands a try's rendered template fields on, masked, before the task runs; recording them never fails the try.</summary>
public sealed class RenderedFieldsTests
{
    private static readonly EnvironmentSecrets Secrets = new(new Dictionary<string, string>
    {
        ["UPDRAFT_CONN_DB"] = "postgres://etl:Sup3rS3cret@db.internal:5432/warehouse",
        ["UPDRAFT_VAR_API_KEY"] = "key-123456",
        ["UPDRAFT_VAR_BUCKET"] = "public-bucket",
    });

    private readonly List<string> _log = [];

    private Task<TaskRunResult> RunAsync(Dag dag, string taskId, Func<IReadOnlyDictionary<string, string>, CancellationToken, Task> record)
    {
        var run = new DagRunContext(dag.DagId, "manual__2025-03-01", DagRunType.Manual, new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), new Core.Timetables.DataInterval(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch));
        var settings = Core.Serialization.DagSerializer.Serialize(dag, new()).GetTask(taskId);
        return new TaskRunner(TimeProvider.System).RunAsync(
            new TaskRunRequest(dag.GetTask(taskId), settings, run, 1, new InMemoryXComStore(), Secrets, Secrets, new LineSink(_log)) { RecordRenderedFields = record });
    }

    [Fact]
    public async Task Rendered_SecretsTheTemplatesReadAndSecretNamedFieldsMasked_RecordedBeforeTheTaskRuns()
    {
        var dag = new Dag("rendered");
        dag.Bash("b", "echo {{ ds }} {{ conn.db.password }} {{ var.value.api_key }} {{ var.value.bucket }}").With(t =>
        {
            t.AppendEnv = true;
            t.Env = new() { ["DB_PASSWORD"] = "literal-pw", ["MODE"] = "full" };
        });
        IReadOnlyDictionary<string, string>? recorded = null;

        var result = await RunAsync(dag, "b", (fields, _) =>
        {
            recorded = fields;
            _log.Add("recorded");
            return Task.CompletedTask;
        });

        Assert.Equal(TaskInstanceState.Success, result.State);
        Assert.Equal(
            [("bash_command", "echo 2025-03-01 *** *** public-bucket"), ("env.DB_PASSWORD", "***"), ("env.MODE", "full")],
            recorded!.Select(f => (f.Key, f.Value)));
        Assert.True(_log.IndexOf("recorded") < _log.FindIndex(l => l.Contains("public-bucket", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RecordingFails_TheTaskStillRunsAndSucceeds_WithAWarning()
    {
        var dag = new Dag("unrecorded");
        dag.Bash("b", "echo ran {{ ds }}");

        var result = await RunAsync(dag, "b", (_, _) => throw new InvalidOperationException("The execution API answered 500: boom"));

        Assert.Equal(TaskInstanceState.Success, result.State);
        Assert.Contains(_log, l => l.Contains("Could not record the rendered template fields (The execution API answered 500: boom); the task runs on.", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.Contains("ran 2025-03-01", StringComparison.Ordinal));
    }
}
