using Updraft.Core.Runtime;
using Updraft.Core.States;

namespace Updraft.Execution.Testing;

/// <summary>The outcome of an in-process DAG test run: the run's state, each task's state and tries, and the XComs.</summary>
public sealed class DagTestResult(
    DagRunContext run,
    DagRunState state,
    IReadOnlyDictionary<string, TaskInstanceState> taskStates,
    IReadOnlyDictionary<string, int> tries,
    InMemoryXComStore xcom)
{
    public DagRunContext Run { get; } = run;

    public string RunId => Run.RunId;

    public DagRunState State { get; } = state;

    public IReadOnlyDictionary<string, TaskInstanceState> TaskStates { get; } = taskStates;

    /// <summary>How many tries each task took (0 for tasks that never ran).</summary>
    public IReadOnlyDictionary<string, int> Tries { get; } = tries;

    public InMemoryXComStore XCom { get; } = xcom;

    /// <summary>The XCom <paramref name="taskId"/> pushed under <paramref name="key"/>, read as <typeparamref name="T"/>.</summary>
    public T? XComValue<T>(string taskId, string key = XComKey.ReturnValue) =>
        XCom.Values.TryGetValue(new XComKey(Run.DagId, Run.RunId, taskId, -1, key), out var json) && XComJson.Deserialize(json, typeof(T)) is T value
            ? value
            : default;
}
