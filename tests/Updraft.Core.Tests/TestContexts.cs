using System.Text.Json.Nodes;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Timetables;

namespace Updraft.Core.Tests;

/// <summary>Builds task contexts for tests, with in-memory stores.</summary>
internal static class TestContexts
{
    public static readonly DateTimeOffset LogicalDate = new(2025, 1, 2, 3, 4, 5, TimeSpan.Zero);

    public static TaskContext For(Operator task, JsonObject? conf = null, IReadOnlyDictionary<string, string>? environment = null)
    {
        var secrets = new EnvironmentSecrets(environment ?? new Dictionary<string, string>());
        var run = new DagRunContext(task.Dag.DagId, "manual__2025-01-02T03:04:05+00:00", DagRunType.Manual, LogicalDate,
            new DataInterval(LogicalDate, LogicalDate.AddDays(1)))
        {
            Conf = conf ?? [],
            Params = task.Dag.Params.Resolve(conf),
        };
        return new TaskContext
        {
            DagRun = run,
            Task = task,
            TryNumber = 1,
            Log = new TaskLogger(new ListLogSink(), TimeProvider.System),
            XComStore = new InMemoryXComStore(),
            Variables = secrets,
            Connections = secrets,
        };
    }

    public sealed class ListLogSink : ITaskLogSink
    {
        public List<string> Lines { get; } = [];

        public void Write(DateTimeOffset timestamp, TaskLogLevel level, string source, string message) => Lines.Add(message);
    }
}
