using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.Graphs;
using Updraft.Core.States;
using Updraft.Scheduling.Operations;
using Updraft.Server.RestApi;
using Updraft.Server.RestApi.V2;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.Ui;

/// <summary>
/// The graph view's data in one call: the DAG laid out by <see cref="LayeredLayout"/> (left to right, task groups
/// collapsed into one box unless named in <c>expanded</c>), every box's position and size, every edge's bend points,
/// and each box's state in one run (the one asked for, else the latest), summarised as the grid does.
/// </summary>
internal static class GraphEndpoints
{
    private const double CharWidth = 7.4;
    private const double NodeHeight = 34;

    public static void MapGraph(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ui/graph/{dag_id}", async (string dag_id, HttpContext context, IDagStore dags, IDagRunStore runs, ITaskInstanceStore tis) =>
        {
            var q = new ApiQuery(context.Request);
            var (dag, _) = await dags.GetSerializedAsync(dag_id, null, context.RequestAborted) ?? throw OperationException.DagNotFound(dag_id);
            var nodes = DagNodes.Of(dag);
            var expanded = q.Strings("expanded")
                .SelectMany(e => e.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                .Where(e => nodes.ById.TryGetValue(e, out var n) && n.IsGroup)
                .ToHashSet(StringComparer.Ordinal);

            // Each task is drawn as itself, or as the outermost collapsed group around it.
            string Shown(string id)
            {
                var shown = id;
                foreach (var at in nodes.SelfAndGroups(id).Skip(1))
                {
                    if (!expanded.Contains(at))
                    {
                        shown = at;
                    }
                }

                return shown;
            }

            var visible = nodes.All.Where(n => nodes.SelfAndGroups(n.Id).Skip(1).All(expanded.Contains)).ToList();
            var layoutNodes = visible.Select(n => n.IsGroup && expanded.Contains(n.Id)
                ? new LayoutNode(n.Id, 0, 0, n.Parent)
                : new LayoutNode(n.Id, Math.Clamp(Label(n).Length * CharWidth + 30, 90, 300), NodeHeight, n.Parent)).ToList();
            var edges = new HashSet<(string From, string To)>();
            foreach (var task in dag.Tasks)
            {
                var from = Shown(task.TaskId);
                foreach (var downstream in task.DownstreamTaskIds)
                {
                    if (nodes.ById.ContainsKey(downstream) && Shown(downstream) is var to && to != from)
                    {
                        edges.Add((from, to));
                    }
                }
            }

            var layout = LayeredLayout.Compute(layoutNodes, [.. edges.OrderBy(e => e.From, StringComparer.Ordinal).ThenBy(e => e.To, StringComparer.Ordinal).Select(e => new LayoutEdge(e.From, e.To))]);

            // The run whose states colour the boxes.
            var latest = await runs.ListAsync(dag_id, null, 25, context.RequestAborted);
            var runId = q.String("run_id");
            var run = runId is null ? (latest.Count > 0 ? latest[0] : null) : await runs.GetAsync(dag_id, runId, context.RequestAborted)
                ?? throw ApiException.NotFound($"The DagRun with dag_id: `{dag_id}` and run_id: `{runId}` was not found");
            var states = new Dictionary<string, List<TaskInstanceState>>(StringComparer.Ordinal);
            if (run is not null)
            {
                foreach (var row in await tis.StatesForRunsAsync([(dag_id, run.RunId)], context.RequestAborted))
                {
                    if (!nodes.ById.ContainsKey(row.TaskId))
                    {
                        continue;
                    }

                    foreach (var node in nodes.SelfAndGroups(row.TaskId))
                    {
                        (states.TryGetValue(node, out var list) ? list : states[node] = []).Add(row.State);
                    }
                }
            }

            return V2.Json(new
            {
                dag_id,
                run_id = run?.RunId,
                runs = (run is null || latest.Any(r => r.RunId == run.RunId) ? latest : [run, .. latest]).Select(r => new
                {
                    dag_run_id = r.RunId,
                    state = r.State.ToWireName(),
                    run_after = V2.Time(r.RunAfter),
                }).ToList(),
                width = Round(layout.Width),
                height = Round(layout.Height),
                crossings = layout.Crossings,
                groups = nodes.All.Where(n => n.IsGroup).Select(n => n.Id).ToList(),
                nodes = layout.Nodes.Select(p =>
                {
                    var n = nodes.ById[p.Id];
                    var own = states.GetValueOrDefault(p.Id);
                    return new
                    {
                        id = n.Id,
                        label = n.Label,
                        kind = n.Kind,
                        parent = n.Parent,
                        mapped = n.Mapped,
                        expanded = n.IsGroup && expanded.Contains(n.Id),
                        x = Round(p.X),
                        y = Round(p.Y),
                        width = Round(p.Width),
                        height = Round(p.Height),
                        state = own is null ? null : StatePriority.Summarize(own)?.ToWireName(),
                        counts = own is not null && (n.Mapped || n.IsGroup) ? own.GroupBy(s => s.ToWireName()).ToDictionary(g => g.Key, g => g.Count()) : null,
                    };
                }).ToList(),
                edges = layout.Edges.Select(e => new { from = e.From, to = e.To, points = e.Points.Select(pt => new[] { Round(pt.X), Round(pt.Y) }).ToList() }).ToList(),
            });
        }).Query("expanded:array", "run_id").Requires(Read, TaskInstances, DagScope.DagEntity);
    }

    private static string Label(DagNode node) => node.IsGroup ? "▸ " + node.Label : node.Mapped ? node.Label + " [ ]" : node.Label;

    private static double Round(double value) => Math.Round(value, 1, MidpointRounding.AwayFromZero);
}
