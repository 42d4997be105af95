using Updraft.Core.Dags;
using Updraft.Core.Runtime;

namespace Updraft.Execution.Testing;

/// <summary>Settings for an in-process DAG test run.</summary>
public sealed record DagTestOptions
{
    public DagDefaults Defaults { get; init; } = new();

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Where task logs go; the console when null.</summary>
    public ITaskLogSink? Log { get; init; }

    /// <summary>Where variables come from; <c>UPDRAFT_VAR_*</c> of this process when null.</summary>
    public IVariableStore? Variables { get; init; }

    /// <summary>Where connections come from; <c>UPDRAFT_CONN_*</c> of this process when null.</summary>
    public IConnectionStore? Connections { get; init; }

    /// <summary>Where tasks marked <c>Isolated</c> run (<c>updraft dags test</c>: a fresh process); null runs them in this process.</summary>
    public ITaskIsolation? Isolation { get; init; }

    /// <summary>
    /// Other DAGs' runs for cross-DAG tasks (<c>dag.TriggerDagRun</c>, <c>dag.ExternalTask</c>): a
    /// <see cref="RecordingDagRuns"/> in a unit test; null makes those tasks fail saying they need the orchestrator.
    /// </summary>
    public IDagRunClient? DagRuns { get; init; }

    /// <summary>
    /// Whether to wait out retry delays. Off by default: a test run retries at once (and logs the delay it
    /// skipped) so a DAG's unit tests stay fast.
    /// </summary>
    public bool HonorRetryDelay { get; init; }

    /// <summary>
    /// Answers human-in-the-loop tasks in a test: given the question, the answer (as if a person gave it at once), or
    /// null to let it wait for its timeout and defaults. Null: nobody answers.
    /// </summary>
    public Func<Core.Runtime.HumanRequest, Core.Runtime.HumanResponse?>? HumanAnswers { get; init; }
}
