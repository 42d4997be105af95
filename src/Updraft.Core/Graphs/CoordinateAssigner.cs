namespace Updraft.Core.Graphs;

/// <summary>
/// Places the nodes of each layer along the layer (vertically, as layers are columns) with the method of Brandes and
/// Köpf ("Fast and simple horizontal coordinate assignment", 2001, with the block-graph compaction of its 2020
/// revision): four alignments of each node with a median neighbour, each compacted as tightly as the gaps allow, then
/// balanced. Long edges come out straight (their dummies are aligned first), and no two nodes of a layer overlap.
/// </summary>
internal static class CoordinateAssigner
{
    /// <returns>The centre of every node (dummies included) along its layer; the topmost box starts at 0.</returns>
    public static double[] Assign(ProperGraph graph, double nodeGap, double edgeGap)
    {
        var count = graph.NodeCount;
        if (count == 0)
        {
            return [];
        }

        var conflicts = FindInnerSegmentConflicts(graph);
        var candidates = new double[4][];
        for (var k = 0; k < 4; k++)
        {
            candidates[k] = AlignAndCompact(graph, conflicts, fromBelow: k >= 2, reverse: k % 2 == 1, nodeGap, edgeGap);
        }

        // Shift the four to the narrowest one (by its top for the top-down ones, by its bottom for the others), then
        // take each node's mean of its two median candidates. Each candidate keeps every gap and so does the
        // per-node median: the i-th smallest of four values respects a bound that each of the four respects.
        var narrowest = 0;
        var narrowestWidth = double.MaxValue;
        for (var k = 0; k < 4; k++)
        {
            var width = Enumerable.Range(0, count).Max(v => candidates[k][v] + (graph.Size(v) / 2))
                - Enumerable.Range(0, count).Min(v => candidates[k][v] - (graph.Size(v) / 2));
            if (width < narrowestWidth)
            {
                (narrowest, narrowestWidth) = (k, width);
            }
        }

        var alignMin = candidates[narrowest].Min();
        var alignMax = candidates[narrowest].Max();
        for (var k = 0; k < 4; k++)
        {
            var shift = k % 2 == 1 ? alignMax - candidates[k].Max() : alignMin - candidates[k].Min();
            for (var v = 0; v < count; v++)
            {
                candidates[k][v] += shift;
            }
        }

        var centres = new double[count];
        Span<double> four = stackalloc double[4];
        for (var v = 0; v < count; v++)
        {
            for (var k = 0; k < 4; k++)
            {
                four[k] = candidates[k][v];
            }

            four.Sort();
            centres[v] = (four[1] + four[2]) / 2;
        }

        EnforceGaps(graph, centres, nodeGap, edgeGap);
        return centres;
    }

    private static double Gap(ProperGraph graph, int a, int b, double nodeGap, double edgeGap) =>
        ((graph.Size(a) + graph.Size(b)) / 2) + (graph.IsPoint(a) && graph.IsPoint(b) ? edgeGap : nodeGap);

    // Rounding in the balancing step can leave a gap short by a hair; pushing each node down to its required gap
    // makes "no overlap" hold exactly. Then the whole drawing moves so that its topmost box starts at 0.
    private static void EnforceGaps(ProperGraph graph, double[] centres, double nodeGap, double edgeGap)
    {
        foreach (var layer in graph.Layers)
        {
            for (var i = 1; i < layer.Length; i++)
            {
                var least = centres[layer[i - 1]] + Gap(graph, layer[i - 1], layer[i], nodeGap, edgeGap);
                centres[layer[i]] = Math.Max(centres[layer[i]], least);
            }
        }

        var top = Enumerable.Range(0, centres.Length).Min(v => centres[v] - (graph.Size(v) / 2));
        for (var v = 0; v < centres.Length; v++)
        {
            centres[v] -= top;
        }
    }

    // A "type 1" conflict is an edge between two real nodes, or a real and a dummy, that crosses an inner segment
    // (an edge between two dummies). Such an edge never aligns, so that long edges stay straight.
    private static HashSet<long> FindInnerSegmentConflicts(ProperGraph graph)
    {
        var conflicts = new HashSet<long>();
        for (var l = 1; l < graph.Layers.Length; l++)
        {
            var previousLength = graph.Layers[l - 1].Length;
            var layer = graph.Layers[l];
            var k0 = 0;
            var scanFrom = 0;
            for (var i = 0; i < layer.Length; i++)
            {
                var v = layer[i];
                var inner = InnerSegmentTop(graph, v);
                var k1 = inner >= 0 ? graph.Position[inner] : previousLength;
                if (inner < 0 && i != layer.Length - 1)
                {
                    continue;
                }

                for (var s = scanFrom; s <= i; s++)
                {
                    var scanned = layer[s];
                    foreach (var u in graph.Up(scanned))
                    {
                        var position = graph.Position[u];
                        if ((position < k0 || position > k1) && !(graph.IsDummy(u) && graph.IsDummy(scanned)))
                        {
                            conflicts.Add(Key(graph, u, scanned));
                        }
                    }
                }

                scanFrom = i + 1;
                k0 = k1;
            }
        }

        return conflicts;
    }

    private static int InnerSegmentTop(ProperGraph graph, int v)
    {
        if (graph.IsDummy(v))
        {
            foreach (var u in graph.Up(v))
            {
                if (graph.IsDummy(u))
                {
                    return u;
                }
            }
        }

        return -1;
    }

    private static long Key(ProperGraph graph, int a, int b) =>
        graph.LayerOf(a) < graph.LayerOf(b) ? ((long)a * graph.NodeCount) + b : ((long)b * graph.NodeCount) + a;

    // One of the four candidates. fromBelow aligns each node with its successors, walking the layers bottom-up;
    // reverse walks each layer from its last node, compacting towards the other end.
    private static double[] AlignAndCompact(ProperGraph graph, HashSet<long> conflicts, bool fromBelow, bool reverse, double nodeGap, double edgeGap)
    {
        var count = graph.NodeCount;
        var layers = graph.Layers.Select(l => reverse ? Enumerable.Reverse(l).ToArray() : l).ToArray();
        if (fromBelow)
        {
            Array.Reverse(layers);
        }

        var position = new int[count];
        foreach (var layer in layers)
        {
            for (var i = 0; i < layer.Length; i++)
            {
                position[layer[i]] = i;
            }
        }

        var root = new int[count];
        var align = new int[count];
        for (var v = 0; v < count; v++)
        {
            root[v] = v;
            align[v] = v;
        }

        // Vertical alignment: each node joins the block of one of its median neighbours in the layer before, unless
        // that would cross an alignment already made in this layer or a conflict with an inner segment.
        var neighbours = new List<int>();
        foreach (var layer in layers)
        {
            var lastAligned = -1;
            foreach (var v in layer)
            {
                neighbours.Clear();
                neighbours.AddRange(fromBelow ? graph.Down(v) : graph.Up(v));
                if (neighbours.Count == 0)
                {
                    continue;
                }

                neighbours.Sort((a, b) => position[a].CompareTo(position[b]));
                for (var m = (neighbours.Count - 1) / 2; m <= neighbours.Count / 2; m++)
                {
                    var w = neighbours[m];
                    if (align[v] == v && lastAligned < position[w] && !conflicts.Contains(Key(graph, v, w)))
                    {
                        align[w] = v;
                        root[v] = root[w];
                        align[v] = root[v];
                        lastAligned = position[w];
                    }
                }
            }
        }

        var coordinates = Compact(graph, layers, root, nodeGap, edgeGap);
        if (reverse)
        {
            for (var v = 0; v < count; v++)
            {
                coordinates[v] = -coordinates[v];
            }
        }

        return coordinates;
    }

    // Horizontal compaction on the block graph: a block must sit at least a gap after every block that precedes it
    // in some layer. The longest path gives the tightest placement; a second pass moves each block as far towards
    // its followers as they allow, closing slack that the first pass left behind blocks with no predecessors.
    private static double[] Compact(ProperGraph graph, int[][] layers, int[] root, double nodeGap, double edgeGap)
    {
        var count = graph.NodeCount;
        var before = new List<(int Block, double Gap)>?[count];
        var after = new List<(int Block, double Gap)>?[count];
        var inDegree = new int[count];
        foreach (var layer in layers)
        {
            for (var i = 1; i < layer.Length; i++)
            {
                var (u, v) = (layer[i - 1], layer[i]);
                var gap = Gap(graph, u, v, nodeGap, edgeGap);
                (after[root[u]] ??= []).Add((root[v], gap));
                (before[root[v]] ??= []).Add((root[u], gap));
                inDegree[root[v]]++;
            }
        }

        // The block graph is acyclic: alignments never cross, so blocks keep the layers' order.
        var order = new List<int>(count);
        for (var v = 0; v < count; v++)
        {
            if (root[v] == v && inDegree[v] == 0)
            {
                order.Add(v);
            }
        }

        for (var i = 0; i < order.Count; i++)
        {
            foreach (var (next, _) in after[order[i]] ?? [])
            {
                if (--inDegree[next] == 0)
                {
                    order.Add(next);
                }
            }
        }

        var blockCoordinate = new double[count];
        foreach (var block in order)
        {
            foreach (var (previous, gap) in before[block] ?? [])
            {
                blockCoordinate[block] = Math.Max(blockCoordinate[block], blockCoordinate[previous] + gap);
            }
        }

        for (var i = order.Count - 1; i >= 0; i--)
        {
            var block = order[i];
            var limit = double.MaxValue;
            foreach (var (next, gap) in after[block] ?? [])
            {
                limit = Math.Min(limit, blockCoordinate[next] - gap);
            }

            if (limit != double.MaxValue)
            {
                blockCoordinate[block] = Math.Max(blockCoordinate[block], limit);
            }
        }

        var coordinates = new double[count];
        for (var v = 0; v < count; v++)
        {
            coordinates[v] = blockCoordinate[root[v]];
        }

        return coordinates;
    }
}
