using Updraft.Core.States;

namespace Updraft.Core.DagRuns;

/// <summary>The outcome of one evaluation pass over a DAG run.</summary>
/// <param name="States">Every task's state after applying the skip/upstream_failed decisions.</param>
/// <param name="Ready">Tasks whose trigger rule is met and that may be scheduled now, in dependency order.</param>
/// <param name="RunState">The run's state if it is decided (success or failed), else null while running.</param>
public sealed record DagRunEvaluation(
    IReadOnlyDictionary<string, TaskInstanceState> States,
    IReadOnlyList<string> Ready,
    DagRunState? RunState);
