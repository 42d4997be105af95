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
            var nodes = Nodes(dag);
            var states = nodes.ToDictionary(n => n.Id, _ => latest.Select(_ => new List<TaskInstanceState>()).ToArray(), StringComparer.Ordinal);
            var parents = nodes.ToDictionary(n => n.Id, n => n.Parent, StringComparer.Ordinal);
            foreach (var row in rows)
            {
                if (!column.TryGetValue(row.RunId, out var at) || !states.TryGetValue(row.TaskId, out var own))
                {
                    // A run of another version may have tasks this one no longer has.
                    continue;
                }

                own[at].Add(row.State);
                for (var group = parents[row.TaskId]; group is not null; group = parents[group])
                {
                    states[group][at].Add(row.State);
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
                nodes = nodes.Select(n => new
                {
                    id = n.Id,
                    label = n.Label,
                    kind = n.Kind,
                    parent = n.Parent,
                    depth = n.Depth,
                    mapped = n.Mapped,
                    states = states[n.Id].Select(list => StatePriority.Summarize(list)?.ToWireName()).ToList(),
                    counts = n.Mapped || n.Kind == "group"
                        ? states[n.Id].Select(list => list.GroupBy(s => s.ToWireName()).ToDictionary(g => g.Key, g => g.Count())).ToList()
                        : null,
                }).ToList(),
            });
        }).Query("limit:integer").Requires(Read, TaskInstances, DagScope.DagEntity);
    }

    private sealed record Node(string Id, string Label, string Kind, string? Parent, int Depth, bool Mapped);

    /// <summary>Tasks in the DAG's order, each group placed before its first task (groups' ids prefixed <c>group:</c>).</summary>
    private static List<Node> Nodes(SerializedDag dag)
    {
        var nodes = new List<Node>();
        var placed = new HashSet<string>(StringComparer.Ordinal);
        foreach (var task in dag.Tasks)
        {
            var groups = new List<string>();
            for (var g = task.TaskGroupId ?? ""; g.Length > 0; g = g.Contains('.', StringComparison.Ordinal) ? g[..g.LastIndexOf('.')] : "")
            {
                groups.Insert(0, g);
            }

            for (var i = 0; i < groups.Count; i++)
            {
                if (placed.Add(groups[i]))
                {
                    nodes.Add(new Node("group:" + groups[i], groups[i][(groups[i].LastIndexOf('.') + 1)..], "group", i == 0 ? null : "group:" + groups[i - 1], i, dag.Tasks.Any(t => t.MapGroupId == groups[i])));
                }
            }

            var label = task.TaskGroupId is { } own && task.TaskId.StartsWith(own + ".", StringComparison.Ordinal) ? task.TaskId[(own.Length + 1)..] : task.TaskId;
            nodes.Add(new Node(task.TaskId, label, "task", groups.Count == 0 ? null : "group:" + groups[^1], groups.Count, task.IsMapped));
        }

        return nodes;
    }
}
