using Updraft.Core.Graphs;

namespace Updraft.Core.Tests.Graphs;

/// <summary>Seeded random DAGs for the layout tests.</summary>
internal static class LayoutSamples
{
    // Nodes 0..count-1 with an edge from each node but the first to a random earlier one, plus extra random forward edges.
    public static (LayoutNode[] Nodes, LayoutEdge[] Edges) RandomDag(int seed, int count, int extraEdges)
    {
        var random = new Random(seed);
        var nodes = Enumerable.Range(0, count).Select(i => new LayoutNode($"n{i}", 40 + random.Next(80), 20 + random.Next(30))).ToArray();
        var edges = new List<LayoutEdge>();
        for (var i = 1; i < count; i++)
        {
            edges.Add(Edge($"n{random.Next(i)}", $"n{i}"));
        }

        for (var k = 0; k < extraEdges; k++)
        {
            var a = random.Next(count);
            var b = random.Next(count);
            if (a != b)
            {
                edges.Add(Edge($"n{Math.Min(a, b)}", $"n{Math.Max(a, b)}"));
            }
        }

        return (nodes, [.. edges]);
    }

    // Airflow-shaped: groups in sequence, each a start task fanning out to parallel chains that fan back in to an
    // end task, with random edges between the chains of a group and from tasks of a group to tasks of later groups.
    public static (LayoutNode[] Nodes, LayoutEdge[] Edges) GroupedDag(int seed, int groups, int tasksPerGroup)
    {
        const int Chains = 7;
        var random = new Random(seed);
        var nodes = new List<LayoutNode>();
        var edges = new List<LayoutEdge>();
        var chainLength = (tasksPerGroup - 2) / Chains;
        for (var g = 0; g < groups; g++)
        {
            var group = $"g{g}";
            nodes.Add(Node(group, width: 0, height: 0));
            nodes.Add(Node($"{group}.start", group));
            nodes.Add(Node($"{group}.end", group));
            for (var c = 0; c < Chains; c++)
            {
                for (var i = 0; i < chainLength; i++)
                {
                    nodes.Add(Node($"{group}.c{c}.{i}", group, width: 60 + random.Next(60)));
                    edges.Add(i == 0 ? Edge($"{group}.start", $"{group}.c{c}.0") : Edge($"{group}.c{c}.{i - 1}", $"{group}.c{c}.{i}"));
                }

                edges.Add(Edge($"{group}.c{c}.{chainLength - 1}", $"{group}.end"));
            }

            for (var k = 0; k < tasksPerGroup - 2 - (Chains * chainLength); k++)
            {
                nodes.Add(Node($"{group}.extra{k}", group));
                edges.Add(Edge($"{group}.start", $"{group}.extra{k}"));
                edges.Add(Edge($"{group}.extra{k}", $"{group}.end"));
            }

            for (var k = 0; k < tasksPerGroup / 4; k++)
            {
                var i = random.Next(chainLength - 1);
                var j = i + 1 + random.Next(chainLength - i - 1);
                edges.Add(Edge($"{group}.c{random.Next(Chains)}.{i}", $"{group}.c{random.Next(Chains)}.{j}"));
            }

            if (g > 0)
            {
                edges.Add(Edge($"g{g - 1}.end", $"{group}.start"));
                for (var k = 0; k < tasksPerGroup / 5; k++)
                {
                    var earlier = random.Next(g);
                    edges.Add(Edge($"g{earlier}.c{random.Next(Chains)}.{random.Next(chainLength)}", $"{group}.c{random.Next(Chains)}.{random.Next(chainLength)}"));
                }
            }
        }

        return ([.. nodes], [.. edges]);
    }

    private static LayoutNode Node(string id, string? parent = null, double width = 80, double height = 30) => new(id, width, height, parent);

    private static LayoutEdge Edge(string from, string to) => new(from, to);
}
