using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using Updraft.Core.Runtime;

namespace Updraft.Execution.Testing;

/// <summary>
/// A stand-in for the orchestrator's runs in a DAG's unit tests: records what cross-DAG tasks trigger, and answers
/// state questions from what the test set. A triggered run is in <see cref="NewRunState"/> until the test changes it.
/// </summary>
public sealed class RecordingDagRuns : IDagRunClient
{
    private readonly ConcurrentDictionary<(string DagId, string RunId), string> _runs = new();
    private readonly ConcurrentDictionary<(string DagId, string? TaskId, DateTimeOffset LogicalDate), string> _states = new();
    private readonly ConcurrentQueue<TriggeredRun> _triggered = new();

    /// <summary>The state a triggered run reports (<c>success</c> by default, so a waiting task finishes).</summary>
    public string NewRunState { get; set; } = "success";

    /// <summary>The DAGs that exist; null accepts any. Triggering another is refused as the orchestrator refuses it.</summary>
    public IReadOnlySet<string>? KnownDags { get; set; }

    /// <summary>The runs triggered so far, in order.</summary>
    public IReadOnlyList<TriggeredRun> Triggered => [.. _triggered];

    /// <summary>Sets what <see cref="GetStateAtAsync"/> answers for a run (null <paramref name="taskId"/>) or a task instance.</summary>
    public void SetState(string dagId, string? taskId, DateTimeOffset logicalDate, string state) => _states[(dagId, taskId, logicalDate.ToUniversalTime())] = state;

    /// <summary>Sets the state of a run triggered (or not) by id.</summary>
    public void SetRunState(string dagId, string runId, string state) => _runs[(dagId, runId)] = state;

    public Task TriggerAsync(string dagId, string runId, DateTimeOffset logicalDate, JsonObject? conf, CancellationToken cancellationToken = default)
    {
        if (KnownDags is not null && !KnownDags.Contains(dagId))
        {
            throw new DagRunTriggerException($"DAG '{dagId}' not found.", DagRunTriggerError.DagNotFound);
        }

        if (!_runs.TryAdd((dagId, runId), NewRunState))
        {
            throw new DagRunTriggerException($"A DAG run '{runId}' of DAG '{dagId}' already exists.", DagRunTriggerError.AlreadyExists);
        }

        _triggered.Enqueue(new TriggeredRun(dagId, runId, logicalDate, conf?.DeepClone() as JsonObject));
        return Task.CompletedTask;
    }

    public Task<string?> GetRunStateAsync(string dagId, string runId, CancellationToken cancellationToken = default) =>
        Task.FromResult(_runs.TryGetValue((dagId, runId), out var state) ? state : null);

    public Task<string?> GetStateAtAsync(string dagId, string? taskId, DateTimeOffset logicalDate, CancellationToken cancellationToken = default) =>
        Task.FromResult(_states.TryGetValue((dagId, taskId, logicalDate.ToUniversalTime()), out var state) ? state : null);
}

/// <summary>A run a cross-DAG task triggered in a unit test.</summary>
public sealed record TriggeredRun(string DagId, string RunId, DateTimeOffset LogicalDate, JsonObject? Conf);
