namespace Updraft.Core.Graphs;

/// <summary>
/// Reorders the layers of a proper layered graph to reduce edge crossings: barycenter sweeps alternately down and up
/// the layers, each followed by transposition of adjacent nodes, keeping the best ordering by exact crossing count.
/// </summary>
internal sealed class CrossingMinimizer
{
    // Sweeps that find nothing better in a row before giving up; the sweeps usually settle within a handful.
    private const int Patience = 4;

    // Transposition rounds per sweep at most; a round revisits only layers that changed, and none left ends it early.
    private const int TransposeRounds = 8;

    private readonly ProperGraph graph;
    private readonly CrossingCounter counter;
    private readonly int[][] upPositions;
    private readonly int[][] downPositions;
    private readonly List<(double Key, int Position, int Node)> movable = [];
    private readonly List<bool> hasNeighbours = [];

    public CrossingMinimizer(ProperGraph graph)
    {
        this.graph = graph;
        counter = new CrossingCounter(graph);
        upPositions = new int[graph.NodeCount][];
        downPositions = new int[graph.NodeCount][];
        for (var v = 0; v < graph.NodeCount; v++)
        {
            upPositions[v] = new int[graph.Up(v).Count];
            downPositions[v] = new int[graph.Down(v).Count];
        }
    }

    /// <summary>Reorders the graph's layers and returns the crossings of the order it settles on.</summary>
    public long Minimize(int maxSweeps)
    {
        var best = counter.Count();
        if (best == 0 || maxSweeps <= 0)
        {
            return best;
        }

        var bestOrder = Snapshot();
        var fruitless = 0;
        for (var sweep = 0; sweep < maxSweeps && fruitless < Patience; sweep++)
        {
            if (sweep % 2 == 0)
            {
                for (var l = 1; l < graph.Layers.Length; l++)
                {
                    OrderByBarycenter(l, fromUp: true);
                }
            }
            else
            {
                for (var l = graph.Layers.Length - 2; l >= 0; l--)
                {
                    OrderByBarycenter(l, fromUp: false);
                }
            }

            Transpose();
            var crossings = counter.Count();
            if (crossings < best)
            {
                best = crossings;
                bestOrder = Snapshot();
                fruitless = 0;
                if (best == 0)
                {
                    break;
                }
            }
            else
            {
                fruitless++;
            }
        }

        graph.SetOrder(bestOrder);
        return best;
    }

    private int[][] Snapshot() => [.. graph.Layers.Select(l => (int[])l.Clone())];

    // Sorts the nodes that have neighbours in the fixed layer by the mean position of those neighbours; nodes without
    // any keep their place, so a node unrelated to the fixed layer does not drift to one end. The sort is stable on
    // the current position, which keeps the sweeps deterministic and lets ties keep an order found earlier.
    private void OrderByBarycenter(int layer, bool fromUp)
    {
        var nodes = graph.Layers[layer];
        movable.Clear();
        hasNeighbours.Clear();
        for (var p = 0; p < nodes.Length; p++)
        {
            var neighbours = fromUp ? graph.Up(nodes[p]) : graph.Down(nodes[p]);
            hasNeighbours.Add(neighbours.Count > 0);
            if (neighbours.Count == 0)
            {
                continue;
            }

            double sum = 0;
            foreach (var w in neighbours)
            {
                sum += graph.Position[w];
            }

            movable.Add((sum / neighbours.Count, p, nodes[p]));
        }

        movable.Sort((a, b) => a.Key != b.Key ? a.Key.CompareTo(b.Key) : a.Position.CompareTo(b.Position));
        var next = 0;
        for (var p = 0; p < nodes.Length; p++)
        {
            if (hasNeighbours[p])
            {
                nodes[p] = movable[next++].Node;
            }
        }

        graph.RefreshPositions(layer);
    }

    // Swaps adjacent nodes of a layer whenever that removes crossings with both neighbouring layers, until a round
    // swaps nothing. A layer's swaps depend only on its own order and its neighbours' positions, so a layer is
    // revisited only when it or a neighbour changed since it was last looked at; that gives the same result as
    // sweeping every layer each round, at a fraction of the work once most layers have settled. Only this layer's
    // order changes while it is being transposed, so each node's neighbour positions are read and sorted once per
    // visit and a pair's crossings come from one merge of two sorted lists.
    private void Transpose()
    {
        var layerCount = graph.Layers.Length;
        var dirty = new bool[layerCount];
        Array.Fill(dirty, true);
        var anyDirty = true;
        for (var round = 0; anyDirty && round < TransposeRounds; round++)
        {
            anyDirty = false;
            for (var l = 0; l < layerCount; l++)
            {
                if (!dirty[l])
                {
                    continue;
                }

                dirty[l] = false;
                if (TransposeLayer(l))
                {
                    dirty[l] = true;
                    if (l > 0)
                    {
                        dirty[l - 1] = true;
                    }

                    if (l + 1 < layerCount)
                    {
                        dirty[l + 1] = true;
                    }

                    anyDirty = true;
                }
            }
        }
    }

    private bool TransposeLayer(int layer)
    {
        var nodes = graph.Layers[layer];
        if (nodes.Length < 2)
        {
            return false;
        }

        foreach (var v in nodes)
        {
            FillSorted(graph.Up(v), upPositions[v]);
            FillSorted(graph.Down(v), downPositions[v]);
        }

        var swapped = false;
        for (var p = 0; p + 1 < nodes.Length; p++)
        {
            var (v, w) = (nodes[p], nodes[p + 1]);
            var (upKeep, upSwap) = PairCrossings(upPositions[v], upPositions[w]);
            var (downKeep, downSwap) = PairCrossings(downPositions[v], downPositions[w]);
            if (upSwap + downSwap < upKeep + downKeep)
            {
                (nodes[p], nodes[p + 1]) = (w, v);
                graph.Position[w] = p;
                graph.Position[v] = p + 1;
                swapped = true;
            }
        }

        return swapped;
    }

    private void FillSorted(IReadOnlyList<int> neighbours, int[] positions)
    {
        for (var i = 0; i < positions.Length; i++)
        {
            positions[i] = graph.Position[neighbours[i]];
        }

        if (positions.Length > 1)
        {
            Array.Sort(positions);
        }
    }

    // Crossings between the edges of two nodes placed one above the other, given each one's sorted neighbour
    // positions: with the first above, an edge pair crosses when the first's neighbour lies below the second's;
    // swapped, when it lies above. Shared neighbours cross in neither order.
    private static (long Keep, long Swap) PairCrossings(int[] first, int[] second)
    {
        long keep = 0;
        long swap = 0;
        var below = 0;
        var notAbove = 0;
        foreach (var a in first)
        {
            while (below < second.Length && second[below] < a)
            {
                below++;
            }

            while (notAbove < second.Length && second[notAbove] <= a)
            {
                notAbove++;
            }

            keep += below;
            swap += second.Length - notAbove;
        }

        return (keep, swap);
    }
}
