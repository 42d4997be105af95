namespace Updraft.Core.Graphs;

/// <summary>Assigns each node of an acyclic graph a layer so that every edge goes to a higher layer.</summary>
internal static class LayerAssigner
{
    /// <summary>
    /// Longest path from the sources, then a tightening pass: a node with more outgoing than incoming edges moves
    /// as close to its successors as they allow, since that shortens more edges than it lengthens. Walking the
    /// nodes in reverse topological order lets a node follow successors that have just moved.
    /// </summary>
    /// <param name="nodeCount">The number of nodes.</param>
    /// <param name="edges">Distinct edges of an acyclic graph without self-loops.</param>
    /// <returns>Each node's layer; the lowest is 0.</returns>
    public static int[] Assign(int nodeCount, IReadOnlyList<(int Tail, int Head)> edges)
    {
        var successors = new List<int>?[nodeCount];
        var inDegree = new int[nodeCount];
        foreach (var (tail, head) in edges)
        {
            (successors[tail] ??= []).Add(head);
            inDegree[head]++;
        }

        var order = TopologicalOrder(nodeCount, successors, inDegree);
        var layers = new int[nodeCount];
        foreach (var v in order)
        {
            foreach (var w in successors[v] ?? [])
            {
                layers[w] = Math.Max(layers[w], layers[v] + 1);
            }
        }

        for (var i = order.Length - 1; i >= 0; i--)
        {
            var v = order[i];
            var next = successors[v];
            if (next is not null && next.Count > inDegree[v])
            {
                var nearest = int.MaxValue;
                foreach (var w in next)
                {
                    nearest = Math.Min(nearest, layers[w]);
                }

                layers[v] = nearest - 1;
            }
        }

        var lowest = nodeCount == 0 ? 0 : layers.Min();
        for (var v = 0; v < nodeCount; v++)
        {
            layers[v] -= lowest;
        }

        return layers;
    }

    private static int[] TopologicalOrder(int nodeCount, List<int>?[] successors, int[] inDegree)
    {
        var remaining = (int[])inDegree.Clone();
        var order = new int[nodeCount];
        var count = 0;
        for (var v = 0; v < nodeCount; v++)
        {
            if (remaining[v] == 0)
            {
                order[count++] = v;
            }
        }

        for (var i = 0; i < count; i++)
        {
            foreach (var w in successors[order[i]] ?? [])
            {
                if (--remaining[w] == 0)
                {
                    order[count++] = w;
                }
            }
        }

        if (count != nodeCount)
        {
            throw new InvalidOperationException("Layering needs an acyclic graph; the cycle breaker left a cycle.");
        }

        return order;
    }
}
