namespace Updraft.Core.Graphs;

/// <summary>
/// Counts edge crossings between adjacent layers with the accumulator tree of Barth, Jünger and Mutzel
/// ("Simple and efficient bilayer cross counting", 2004): O(E log V) per layer pair instead of comparing every
/// pair of edges, so counting after every sweep stays cheap at a thousand nodes.
/// </summary>
internal sealed class CrossingCounter(ProperGraph graph)
{
    private readonly List<int> southSequence = [];
    private readonly List<int> scratch = [];
    private int[] tree = [];

    /// <summary>Crossings over all adjacent layer pairs, with the graph's current orders.</summary>
    public long Count()
    {
        long total = 0;
        for (var l = 0; l + 1 < graph.Layers.Length; l++)
        {
            total += CountBetween(l);
        }

        return total;
    }

    /// <summary>Crossings between layer <paramref name="north"/> and the next one.</summary>
    public long CountBetween(int north)
    {
        var southCount = graph.Layers[north + 1].Length;
        if (southCount < 2)
        {
            return 0;
        }

        // The edges sorted by their north end, then by their south end: the crossings are the inversions of the
        // resulting sequence of south positions.
        southSequence.Clear();
        foreach (var v in graph.Layers[north])
        {
            if (graph.Down(v).Count == 1)
            {
                southSequence.Add(graph.Position[graph.Down(v)[0]]);
                continue;
            }

            scratch.Clear();
            foreach (var w in graph.Down(v))
            {
                scratch.Add(graph.Position[w]);
            }

            scratch.Sort();
            southSequence.AddRange(scratch);
        }

        var firstLeaf = 1;
        while (firstLeaf < southCount)
        {
            firstLeaf *= 2;
        }

        var treeSize = (2 * firstLeaf) - 1;
        if (tree.Length < treeSize)
        {
            tree = new int[treeSize];
        }

        Array.Clear(tree, 0, treeSize);
        firstLeaf--;
        long crossings = 0;
        foreach (var position in southSequence)
        {
            // Walk from the leaf to the root; every time the walk comes from a left child, the edges already counted
            // under its right sibling end further south and so cross this one.
            var index = position + firstLeaf;
            tree[index]++;
            while (index > 0)
            {
                if (index % 2 == 1)
                {
                    crossings += tree[index + 1];
                }

                index = (index - 1) / 2;
                tree[index]++;
            }
        }

        return crossings;
    }
}
