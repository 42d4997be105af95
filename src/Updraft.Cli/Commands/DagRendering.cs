using System.Text;
using Updraft.Core.Serialization;

namespace Updraft.Cli.Commands;

/// <summary>A DAG's structure as Graphviz dot or as an indented tree.</summary>
internal static class DagRendering
{
    public static string Dot(SerializedDag dag)
    {
        var text = new StringBuilder();
        text.Append("digraph ").Append(Quote(dag.DagId)).Append(" {\n");
        text.Append("    graph [label=").Append(Quote(dag.DagId)).Append(" labelloc=t rankdir=LR];\n");
        // Task groups are clusters, nested as the groups are; each task is drawn inside its innermost group.
        var groups = dag.TaskGroups.ToDictionary(g => g.GroupId, StringComparer.Ordinal);
        var byId = dag.Tasks.ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        void Group(SerializedTaskGroup group, int depth)
        {
            var indent = new string(' ', depth * 4);
            text.Append(indent).Append("subgraph ").Append(Quote("cluster_" + group.GroupId)).Append(" {\n");
            text.Append(indent).Append("    label=").Append(Quote(group.GroupId)).Append(" style=rounded;\n");
            foreach (var taskId in group.TaskIds)
            {
                Node(byId[taskId], depth + 1);
            }

            foreach (var child in group.ChildGroupIds)
            {
                Group(groups[child], depth + 1);
            }

            text.Append(indent).Append("}\n");
        }

        void Node(SerializedTask task, int depth) =>
            text.Append(' ', depth * 4).Append(Quote(task.TaskId)).Append(" [label=").Append(Quote(task.TaskId))
                .Append(" shape=rectangle style=\"filled,rounded\" fillcolor=").Append(Quote(Colour(task.Operator))).Append("];\n");

        foreach (var task in dag.Tasks.Where(t => t.TaskGroupId is null))
        {
            Node(task, 1);
        }

        foreach (var group in dag.TaskGroups.Where(g => g.ParentGroupId is null))
        {
            Group(group, 1);
        }

        foreach (var task in dag.Tasks)
        {
            foreach (var down in task.DownstreamTaskIds)
            {
                text.Append("    ").Append(Quote(task.TaskId)).Append(" -> ").Append(Quote(down)).Append(";\n");
            }
        }

        return text.Append("}\n").ToString();
    }

    public static string Tree(SerializedDag dag)
    {
        var text = new StringBuilder();
        var byId = dag.Tasks.ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        void Walk(SerializedTask task, int depth)
        {
            text.Append(' ', depth * 4).Append("<Task(").Append(task.Operator).Append("): ").Append(task.TaskId).Append(">\n");
            foreach (var down in task.DownstreamTaskIds)
            {
                Walk(byId[down], depth + 1);
            }
        }

        foreach (var root in dag.Tasks.Where(t => t.UpstreamTaskIds.Count == 0))
        {
            Walk(root, 0);
        }

        return text.ToString();
    }

    private static string Colour(string operatorName) => operatorName switch
    {
        "BashOperator" => "#f0ede4",
        "EmptyOperator" => "#e8f7e4",
        "CallableOperator" => "#ffefeb",
        _ => "#ffffff",
    };

    private static string Quote(string text) => "\"" + text.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"";
}
