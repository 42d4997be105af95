using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.TriggerRules;

namespace Updraft.Core.DagRuns;

/// <summary>
/// Decides, from task states alone, which tasks of a DAG run may run, which are skipped or upstream_failed
/// by their trigger rules, and whether the run has succeeded or failed — Airflow's rules, as one pure
/// function the in-process test runner and the scheduler share.
/// </summary>
public static class DagRunEvaluator
{
    public static DagRunEvaluation Evaluate(SerializedDag dag, IReadOnlyDictionary<string, TaskInstanceState> states)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(states);
        var current = new Dictionary<string, TaskInstanceState>(StringComparer.Ordinal);
        foreach (var task in dag.Tasks)
        {
            current[task.TaskId] = states.TryGetValue(task.TaskId, out var s) ? s : TaskInstanceState.None;
        }

        var byId = dag.Tasks.ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        var ready = new List<string>();

        // Tasks are in dependency order, so a decision made here is seen by the tasks below it in the same pass.
        foreach (var task in dag.Tasks)
        {
            if (current[task.TaskId] != TaskInstanceState.None)
            {
                continue;
            }

            var summary = UpstreamSummary.From(task.UpstreamTaskIds.Select(id => (current[id], byId[id].IsSetup)));
            switch (TriggerRuleEvaluator.Evaluate(task.TriggerRule, summary))
            {
                case TriggerDecision.Run:
                    ready.Add(task.TaskId);
                    break;
                case TriggerDecision.Skip:
                    current[task.TaskId] = TaskInstanceState.Skipped;
                    break;
                case TriggerDecision.UpstreamFailed:
                    current[task.TaskId] = TaskInstanceState.UpstreamFailed;
                    break;
                default:
                    break;
            }
        }

        return new DagRunEvaluation(current, ready, DecideRunState(dag, byId, current, ready.Count > 0));
    }

    private static DagRunState? DecideRunState(
        SerializedDag dag,
        Dictionary<string, SerializedTask> byId,
        Dictionary<string, TaskInstanceState> states,
        bool anyReady)
    {
        var unfinished = states.Values.Where(s => s.IsUnfinished()).ToList();
        if (unfinished.Count == 0)
        {
            var deciding = TasksForRunState(dag, byId);
            return deciding.Any(id => states[id] is TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed)
                ? DagRunState.Failed
                : DagRunState.Success;
        }

        // Deadlock: every unfinished task waits on a trigger rule that nothing can satisfy any more.
        var inFlight = unfinished.Any(s => s != TaskInstanceState.None);
        return !anyReady && !inFlight ? DagRunState.Failed : null;
    }

    /// <summary>The leaves, except that a teardown leaf (unless it fails the run on failure) is replaced by the work it tears down.</summary>
    private static HashSet<string> TasksForRunState(SerializedDag dag, Dictionary<string, SerializedTask> byId)
    {
        var result = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(dag.Tasks.Where(t => t.DownstreamTaskIds.Count == 0).Select(t => t.TaskId));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.TryPop(out var id))
        {
            if (!seen.Add(id))
            {
                continue;
            }

            var task = byId[id];
            if (task.IsTeardown && !task.OnFailureFailDagRun)
            {
                foreach (var up in task.UpstreamTaskIds.Where(u => !byId[u].IsSetup))
                {
                    pending.Push(up);
                }
            }
            else
            {
                result.Add(id);
            }
        }

        return result;
    }
}
