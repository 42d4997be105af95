using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Scheduling.Operations;
using Updraft.Server.RestApi;
using Updraft.Server.RestApi.V2;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.Ui;

/// <summary>
/// The grid view's data in one call (as Airflow 3's UI has routes of its own under <c>/ui</c>): a DAG's latest runs,
/// its tasks and task groups in order, and the state of every task and group in every run — mapped tasks and groups
/// summarised by <see cref="StatePriority"/>, with the count of each state. One narrow query of the task instances,
/// so a DAG of 1,000 tasks with 25 runs is one read of 25,000 small rows.
/// </summary>
internal static class GridEndpoints
{
    public static void MapGrid(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ui/grid/{dag_id}", async (string dag_id, HttpContext context, IDagStore dags, IDagRunStore runs, ITaskInstanceStore tis) =>
        {
            var q = new ApiQuery(context.Request);
            var limit = Math.Clamp(q.Int("limit") ?? 25, 1, 100);
            var (dag, _) = await dags.GetSerializedAsync(dag_id, null, context.RequestAborted) ?? throw OperationException.DagNotFound(dag_id);
            var latest = (await runs.ListAsync(dag_id, null, limit, context.RequestAborted)).OrderBy(r => r.RunAfter).ThenBy(r => r.Id).ToList();
            var rows = await tis.StatesForRunsAsync([.. latest.Select(r => (r.DagId, r.RunId))], context.RequestAborted);
            var column = latest.Select((r, i) => (r.RunId, i)).ToDictionary(p => p.RunId, p => p.i, StringComparer.Ordinal);

            // Per node (task or group) and run: the states of the instances under it.
            var nodes = DagNodes.Of(dag);
            var states = nodes.All.ToDictionary(n => n.Id, _ => latest.Select(_ => new List<TaskInstanceState>()).ToArray(), StringComparer.Ordinal);
            foreach (var row in rows)
            {
                if (!column.TryGetValue(row.RunId, out var at) || !nodes.ById.ContainsKey(row.TaskId))
                {
                    // A run of another version may have tasks this one no longer has.
                    continue;
                }

                foreach (var node in nodes.SelfAndGroups(row.TaskId))
                {
                    states[node][at].Add(row.State);
                }
            }

            return V2.Json(new
            {
                dag_id,
                runs = latest.Select(r => new
                {
                    dag_run_id = r.RunId,
                    state = r.State.ToWireName(),
                    run_type = RunShapes.RunType(r.RunType),
                    run_after = V2.Time(r.RunAfter),
                    logical_date = V2.Time(r.LogicalDate),
                    start_date = V2.Time(r.StartDate),
                    end_date = V2.Time(r.EndDate),
                }).ToList(),
                nodes = nodes.All.Select(n => new
                {
                    id = n.Id,
                    label = n.Label,
                    kind = n.Kind,
                    parent = n.Parent,
                    depth = n.Depth,
                    mapped = n.Mapped,
                    states = states[n.Id].Select(list => StatePriority.Summarize(list)?.ToWireName()).ToList(),
                    counts = n.Mapped || n.IsGroup
                        ? states[n.Id].Select(list => list.GroupBy(s => s.ToWireName()).ToDictionary(g => g.Key, g => g.Count())).ToList()
                        : null,
                }).ToList(),
            });
        }).Query("limit:integer").Requires(Read, TaskInstances, DagScope.DagEntity);

        // The DAG list's recent-runs column: the latest runs of each DAG on the page, in one call.
        app.MapGet("/ui/recent-runs", async (HttpContext context, IDagRunStore runs) =>
        {
            var q = new ApiQuery(context.Request);
            var limit = Math.Clamp(q.Int("limit") ?? 10, 1, 50);
            var wanted = q.Strings("dag_ids").SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).Take(200).ToList();
            var readable = V2.Intersect(context.Caller().ReadableDags, wanted) ?? wanted;
            var latest = await runs.LatestOfEachAsync(readable, limit, context.RequestAborted);
            return V2.Json(new
            {
                dag_runs = latest.GroupBy(r => r.DagId, StringComparer.Ordinal).ToDictionary(
                    g => g.Key,
                    g => g.Select(r => new { dag_run_id = r.RunId, state = r.State.ToWireName(), run_after = V2.Time(r.RunAfter) }).ToList(),
                    StringComparer.Ordinal),
            });
        }).Query("dag_ids:array", "limit:integer").Requires(Read, DagRuns, DagScope.DagEntity);
    }
}
