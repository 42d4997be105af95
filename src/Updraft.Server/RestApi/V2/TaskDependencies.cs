using Updraft.Core.States;
using Updraft.Core.TriggerRules;
using Updraft.Storage.Stores;

namespace Updraft.Server.RestApi.V2;

/// <summary>
/// Why a task instance is not running (Airflow's "dependencies" of a task instance): its own state, its run's state,
/// a paused DAG, its retry period, its trigger rule over the upstream states, and its pool's open slots. Each unmet
/// one is a name and a reason, in Airflow's words.
/// </summary>
internal static class TaskDependencies
{
    public static async Task<List<object>> ExplainAsync(
        TaskInstanceRecord ti,
        DagRunRecord run,
        IDagStore dags,
        ITaskInstanceStore tis,
        PoolStore pools,
        TimeProvider time,
        CancellationToken cancellationToken)
    {
        var reasons = new List<object>();
        void Add(string name, string reason) => reasons.Add(new { name, reason });

        if (ti.State is not (TaskInstanceState.None or TaskInstanceState.Scheduled or TaskInstanceState.UpForRetry))
        {
            Add("Task Instance State", $"Task is in the '{ti.State.ToWireName()}' state.");
        }

        if (run.State != DagRunState.Running)
        {
            Add("Dagrun Running", $"Task instance's dagrun was not in the 'running' state but in the state '{run.State.ToWireName()}'.");
        }

        if (await dags.GetAsync(ti.DagId, cancellationToken) is { IsPaused: true })
        {
            Add("Dag Not Paused", $"Task's DAG '{ti.DagId}' is paused.");
        }

        var now = time.GetUtcNow();
        if (ti.State == TaskInstanceState.UpForRetry && ti.NextRetryAt is { } retry && V2.Time(retry) > now)
        {
            Add("Not In Retry Period", $"Task is not ready for retry yet but will be retried automatically. Current date is {now:O} and task will be retried at {V2.Time(retry):O}.");
        }

        if (ti.State is TaskInstanceState.None or TaskInstanceState.Scheduled && await dags.GetSerializedAsync(ti.DagId, run.DagVersion, cancellationToken) is { } serialized)
        {
            var task = serialized.Dag.Tasks.FirstOrDefault(t => t.TaskId == ti.TaskId);
            if (task is not null && task.UpstreamTaskIds.Count > 0)
            {
                var all = await tis.ListForRunAsync(ti.DagId, ti.RunId, cancellationToken);
                var upstream = all.Where(u => task.UpstreamTaskIds.Contains(u.TaskId)).ToList();
                var summary = UpstreamSummary.From(upstream.Select(u => (u.State, serialized.Dag.Tasks.FirstOrDefault(t => t.TaskId == u.TaskId)?.IsSetup ?? false)));
                if (TriggerRuleEvaluator.Evaluate(task.TriggerRule, summary) != TriggerDecision.Run)
                {
                    var states = string.Join(", ", upstream.GroupBy(u => u.State).Select(g => $"{g.Key.ToWireName()}: {g.Count()}"));
                    Add("Trigger Rule", $"Task's trigger rule '{task.TriggerRule.ToWireName()}' is not met by its upstream tasks. upstream_states={{{states}}}, upstream_task_ids={{{string.Join(", ", task.UpstreamTaskIds)}}}");
                }
            }
        }

        if (ti.State is TaskInstanceState.None or TaskInstanceState.Scheduled
            && (await pools.ListAsync(cancellationToken)).FirstOrDefault(p => p.Pool == ti.Pool) is var pool)
        {
            if (pool is null)
            {
                Add("Pool Slots Available", $"Tasks using non-existent pool '{ti.Pool}' will not be scheduled");
            }
            else if (pool.Open < ti.PoolSlots)
            {
                Add("Pool Slots Available", $"Not scheduling since there are {pool.Open} open slots in pool {ti.Pool} and require {ti.PoolSlots} pool slots");
            }
        }

        return reasons;
    }
}
