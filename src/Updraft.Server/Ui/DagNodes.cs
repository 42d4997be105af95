using Updraft.Core.Serialization;

namespace Updraft.Server.Ui;

/// <summary>
/// A DAG's tasks and task groups as the grid and the graph show them: tasks in the DAG's order, each group placed
/// before its first task, groups' ids prefixed <c>group:</c> so a group never collides with a task id.
/// </summary>
internal sealed class DagNodes
{
    public const string GroupPrefix = "group:";

    private DagNodes(List<DagNode> nodes)
    {
        All = nodes;
        ById = nodes.ToDictionary(n => n.Id, StringComparer.Ordinal);
    }

    public IReadOnlyList<DagNode> All { get; }

    public IReadOnlyDictionary<string, DagNode> ById { get; }

    public static DagNodes Of(SerializedDag dag)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var nodes = new List<DagNode>();
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
                    nodes.Add(new DagNode(GroupPrefix + groups[i], groups[i][(groups[i].LastIndexOf('.') + 1)..], "group", i == 0 ? null : GroupPrefix + groups[i - 1], i, dag.Tasks.Any(t => t.MapGroupId == groups[i])));
                }
            }

            var label = task.TaskGroupId is { } own && task.TaskId.StartsWith(own + ".", StringComparison.Ordinal) ? task.TaskId[(own.Length + 1)..] : task.TaskId;
            nodes.Add(new DagNode(task.TaskId, label, "task", groups.Count == 0 ? null : GroupPrefix + groups[^1], groups.Count, task.IsMapped));
        }

        return new DagNodes(nodes);
    }

    /// <summary>The node itself and every group above it, innermost first.</summary>
    public IEnumerable<string> SelfAndGroups(string id)
    {
        for (string? at = id; at is not null; at = ById[at].Parent)
        {
            yield return at;
        }
    }
}
