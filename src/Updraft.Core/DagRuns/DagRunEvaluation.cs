using Updraft.Core.States;

namespace Updraft.Core.DagRuns;

/// <summary>The outcome of one evaluation pass over a DAG run.</summary>
/// <param name="States">Every task instance's state after applying the skip/upstream_failed decisions.</param>
/// <param name="Ready">Task instances whose trigger rule is met and that may be scheduled now, in dependency order.</param>
/// <param name="ToExpand">
/// Mapped tasks whose trigger rule is met and none of whose instances has started: expand them now (create one
/// instance per element, or skip the task when there are none) and schedule the instances.
/// </param>
/// <param name="RunState">The run's state if it is decided (success or failed), else null while running.</param>
public sealed record DagRunEvaluation(
    IReadOnlyDictionary<TaskInstanceId, TaskInstanceState> States,
    IReadOnlyList<TaskInstanceId> Ready,
    IReadOnlyList<string> ToExpand,
    DagRunState? RunState);
