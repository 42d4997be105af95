using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.TriggerRules;

namespace Updraft.Core.DagRuns;

/// <summary>
/// Decides, from task-instance states alone, which task instances of a DAG run may run, which are skipped or
/// upstream_failed by their trigger rules, which mapped tasks are to be expanded, and whether the run has succeeded
/// or failed — Airflow's rules, as one pure function the in-process test runner and the scheduler share. A task's
/// trigger rule counts every instance of its upstream tasks (all map indexes of a mapped one), as Airflow does.
/// </summary>
public static class DagRunEvaluator
{
    public static DagRunEvaluation Evaluate(SerializedDag dag, IReadOnlyDictionary<TaskInstanceId, TaskInstanceState> states)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(states);
        var current = new Dictionary<TaskInstanceId, TaskInstanceState>(states);
        var byTask = new Dictionary<string, List<TaskInstanceId>>(StringComparer.Ordinal);
        foreach (var id in states.Keys)
        {
            if (!byTask.TryGetValue(id.TaskId, out var list))
            {
                byTask[id.TaskId] = list = [];
            }

            list.Add(id);
        }

        foreach (var task in dag.Tasks.Where(t => !byTask.ContainsKey(t.TaskId)))
        {
            // A task without a stored instance (a test run's first pass) has its unexpanded one, not started.
            var id = new TaskInstanceId(task.TaskId);
            byTask[task.TaskId] = [id];
            current[id] = TaskInstanceState.None;
        }

        var byId = dag.Tasks.ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        var ready = new List<TaskInstanceId>();
        var toExpand = new List<string>();

        // Tasks are in dependency order, so a decision made here is seen by the tasks below it in the same pass.
        foreach (var task in dag.Tasks)
        {
            var instances = byTask[task.TaskId];
            var pending = instances.Where(i => current[i] == TaskInstanceState.None).ToList();
            if (pending.Count == 0)
            {
                continue;
            }

            var unexpanded = task.IsMapped && pending.Count == instances.Count(i => current[i] != TaskInstanceState.Removed);
            if (task.MapGroupId is { } mapGroup)
            {
                // Expanded instances of a group's task wait for their own upstream instance, so all of them pending is normal.
                unexpanded = !instances.Any(i => i.MapIndex >= 0 && current[i] != TaskInstanceState.Removed);
                EvaluateInMappedGroup(task, mapGroup, pending, unexpanded, byId, byTask, current, ready, toExpand);
                continue;
            }

            var summary = UpstreamSummary.From(task.UpstreamTaskIds.SelectMany(up => byTask[up].Select(i => (current[i], byId[up].IsSetup))));
            var decision = TriggerRuleEvaluator.Evaluate(task.TriggerRule, summary);
            Apply(decision, pending, unexpanded, current, ready);
            if (decision == TriggerDecision.Run && unexpanded)
            {
                toExpand.Add(task.TaskId);
            }
        }

        var anyWork = ready.Count > 0 || toExpand.Count > 0;
        return new DagRunEvaluation(current, ready, toExpand, DecideRunState(dag, byId, byTask, current, anyWork));
    }

    private static void Apply(TriggerDecision decision, List<TaskInstanceId> pending, bool unexpanded, Dictionary<TaskInstanceId, TaskInstanceState> current, List<TaskInstanceId> ready)
    {
        foreach (var instance in pending)
        {
            switch (decision)
            {
                case TriggerDecision.Run when unexpanded:
                    break;
                case TriggerDecision.Run:
                    ready.Add(instance);
                    break;
                case TriggerDecision.Skip:
                    current[instance] = TaskInstanceState.Skipped;
                    break;
                case TriggerDecision.UpstreamFailed:
                    current[instance] = TaskInstanceState.UpstreamFailed;
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// A task of a mapped task group: instance <c>i</c> counts only instance <c>i</c> of its upstream tasks in the same
    /// group (all instances of the others), as Airflow does. The task expands as soon as its upstream tasks outside the
    /// group allow and those inside it have expanded, so instance <c>i</c> can run while instance <c>j</c> upstream still runs.
    /// </summary>
    private static void EvaluateInMappedGroup(
        SerializedTask task,
        string mapGroup,
        List<TaskInstanceId> pending,
        bool unexpanded,
        Dictionary<string, SerializedTask> byId,
        Dictionary<string, List<TaskInstanceId>> byTask,
        Dictionary<TaskInstanceId, TaskInstanceState> current,
        List<TaskInstanceId> ready,
        List<string> toExpand)
    {
        bool SameGroup(string up) => byId[up].MapGroupId == mapGroup;
        bool Expanded(string up) => toExpand.Contains(up) || byTask[up].Any(i => i.MapIndex >= 0);
        if (unexpanded)
        {
            var waitsOnExpanded = task.UpstreamTaskIds.Any(up => SameGroup(up) && Expanded(up));
            if (!waitsOnExpanded)
            {
                // The group's first tasks (or ones whose group upstream ended without expanding): the rule decides.
                var upstream = task.UpstreamTaskIds.SelectMany(up => byTask[up].Select(i => (current[i], byId[up].IsSetup)));
                var decision = TriggerRuleEvaluator.Evaluate(task.TriggerRule, UpstreamSummary.From(upstream));
                Apply(decision, pending, unexpanded: true, current, ready);
                if (decision == TriggerDecision.Run)
                {
                    toExpand.Add(task.TaskId);
                }
            }
            else if (task.UpstreamTaskIds.Where(up => !SameGroup(up)).SelectMany(up => byTask[up]).All(i => !current[i].IsUnfinished()))
            {
                // Its upstream in the group has expanded and the rest has ended: expand, and let each instance's own
                // upstream instances decide (a rule judged on part of the upstream would end the whole task).
                toExpand.Add(task.TaskId);
            }

            return;
        }

        foreach (var instance in pending)
        {
            var upstream = task.UpstreamTaskIds.SelectMany(up =>
            {
                var all = byTask[up];
                var same = SameGroup(up) ? all.Where(i => i.MapIndex == instance.MapIndex).ToList() : [];
                return (same.Count > 0 ? same : all).Select(i => (current[i], byId[up].IsSetup));
            });
            Apply(TriggerRuleEvaluator.Evaluate(task.TriggerRule, UpstreamSummary.From(upstream)), [instance], unexpanded: false, current, ready);
        }
    }

    /// <summary>Evaluates a run whose tasks are not mapped: states by task id.</summary>
    public static DagRunEvaluation Evaluate(SerializedDag dag, IReadOnlyDictionary<string, TaskInstanceState> states)
    {
        ArgumentNullException.ThrowIfNull(states);
        return Evaluate(dag, states.ToDictionary(s => new TaskInstanceId(s.Key), s => s.Value));
    }

    private static DagRunState? DecideRunState(
        SerializedDag dag,
        Dictionary<string, SerializedTask> byId,
        Dictionary<string, List<TaskInstanceId>> byTask,
        Dictionary<TaskInstanceId, TaskInstanceState> states,
        bool anyWork)
    {
        var unfinished = states.Values.Where(s => s.IsUnfinished()).ToList();
        if (unfinished.Count == 0)
        {
            var deciding = TasksForRunState(dag, byId);
            return deciding.SelectMany(id => byTask[id]).Any(i => states[i] is TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed)
                ? DagRunState.Failed
                : DagRunState.Success;
        }

        // Deadlock: every unfinished task waits on a trigger rule that nothing can satisfy any more.
        var inFlight = unfinished.Any(s => s != TaskInstanceState.None);
        return !anyWork && !inFlight ? DagRunState.Failed : null;
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
