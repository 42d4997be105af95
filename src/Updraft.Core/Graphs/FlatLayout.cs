namespace Updraft.Core.Graphs;

/// <summary>The Sugiyama pipeline for one level of boxes: layers, ports, dummies, ordering, coordinates.</summary>
internal static class FlatLayout
{
    /// <param name="widths">Each member's width.</param>
    /// <param name="heights">Each member's height.</param>
    /// <param name="edges">Distinct edges between distinct members.</param>
    /// <param name="reversed">Which edges to lay out reversed (from <see cref="CycleBreaker"/>).</param>
    /// <param name="exits">Members with edges leaving the group (rightwards in layout direction), each once.</param>
    /// <param name="entries">Members with edges entering the group, each once.</param>
    /// <param name="options">Spacing and effort.</param>
    public static LevelLayout Compute(
        double[] widths,
        double[] heights,
        IReadOnlyList<(int From, int To)> edges,
        bool[] reversed,
        IReadOnlyList<int> exits,
        IReadOnlyList<int> entries,
        LayoutOptions options)
    {
        var count = widths.Length;

        // After reversal, a 2-cycle becomes two copies of one edge: they share a layout edge and so one route.
        var layoutEdges = new List<(int Tail, int Head)>();
        var layoutIndex = new Dictionary<(int, int), int>();
        var edgeToLayout = new int[edges.Count];
        for (var e = 0; e < edges.Count; e++)
        {
            var pair = reversed[e] ? (edges[e].To, edges[e].From) : (edges[e].From, edges[e].To);
            if (!layoutIndex.TryGetValue(pair, out var index))
            {
                index = layoutEdges.Count;
                layoutIndex.Add(pair, index);
                layoutEdges.Add(pair);
            }

            edgeToLayout[e] = index;
        }

        var memberLayers = LayerAssigner.Assign(count, layoutEdges);
        var ports = AddPorts(memberLayers, exits, entries);
        var allEdges = layoutEdges.Concat(ports.Edges).ToList();
        var sizes = heights.Concat(Enumerable.Repeat(0.0, ports.Layers.Length - count)).ToArray();
        var isPoint = Enumerable.Range(0, sizes.Length).Select(v => v >= count).ToArray();
        var graph = ProperGraph.Build(sizes, isPoint, ports.Layers, allEdges);
        var crossings = new CrossingMinimizer(graph).Minimize(options.CrossingSweeps);
        var centres = CoordinateAssigner.Assign(graph, options.NodeGap, options.EdgeGap);

        var layerCount = graph.Layers.Length;
        var columnLeft = new double[layerCount];
        var columnRight = new double[layerCount];
        var x = 0.0;
        for (var l = 0; l < layerCount; l++)
        {
            var widest = 0.0;
            foreach (var v in graph.Layers[l])
            {
                if (v < count)
                {
                    widest = Math.Max(widest, widths[v]);
                }
            }

            columnLeft[l] = x;
            columnRight[l] = x + widest;
            x = columnRight[l] + options.LayerGap;
        }

        var left = new double[count];
        var top = new double[count];
        var columns = new int[count];
        for (var v = 0; v < count; v++)
        {
            var l = columns[v] = ports.Layers[v];
            left[v] = columnLeft[l] + ((columnRight[l] - columnLeft[l] - widths[v]) / 2);
            top[v] = centres[v] - (heights[v] / 2);
        }

        var height = 0.0;
        for (var v = 0; v < graph.NodeCount; v++)
        {
            height = Math.Max(height, centres[v] + (graph.Size(v) / 2));
        }

        // A dummy becomes two bends, where the edge enters and leaves its column: the edge crosses the column level
        // with the gap reserved for it, and slants only between columns, where no box stands.
        IReadOnlyList<Point> Bends(int chain)
        {
            var points = new List<Point>();
            foreach (var dummy in graph.Chains[chain])
            {
                var l = graph.LayerOf(dummy);
                points.Add(new Point(columnLeft[l], centres[dummy]));
                if (columnRight[l] > columnLeft[l])
                {
                    points.Add(new Point(columnRight[l], centres[dummy]));
                }
            }

            return points;
        }

        var bends = Enumerable.Range(0, layoutEdges.Count).Select(Bends).ToArray();
        var routes = new LevelRoute[edges.Count];
        for (var e = 0; e < edges.Count; e++)
        {
            var (tail, head) = layoutEdges[edgeToLayout[e]];
            routes[e] = new LevelRoute(reversed[e], tail, head, bends[edgeToLayout[e]]);
        }

        PortRoute Port(int node, int chain) => new(new Point(columnLeft[graph.LayerOf(node)], centres[node]), Bends(layoutEdges.Count + chain));
        var exitPorts = ports.Exits.ToDictionary(p => p.Member, p => Port(p.Node, p.Chain));
        var entryPorts = ports.Entries.ToDictionary(p => p.Member, p => Port(p.Node, p.Chain));

        var width = layerCount == 0 ? 0 : columnRight[layerCount - 1];
        return new LevelLayout(left, top, memberLayers, columns, columnLeft, columnRight, routes, exitPorts, entryPorts, width, height, crossings);
    }

    // Ports go in a column of their own before the first layer (entries) or after the last (exits), and only when some
    // member needing one is not already in that layer: a member in the first layer is entered straight from the
    // group's border. When a column is needed, every member on that side gets a port, so no edge enters a member
    // past another port column. Port nodes follow the members; port edges follow the level's edges.
    private static PortPlan AddPorts(int[] memberLayers, IReadOnlyList<int> exits, IReadOnlyList<int> entries)
    {
        var count = memberLayers.Length;
        var last = count == 0 ? 0 : memberLayers.Max();
        var withEntries = entries.Any(m => memberLayers[m] > 0);
        var withExits = exits.Any(m => memberLayers[m] < last);
        var layers = new List<int>(memberLayers.Select(l => withEntries ? l + 1 : l));
        var edges = new List<(int Tail, int Head)>();
        var entryPorts = new List<(int Member, int Node, int Chain)>();
        var exitPorts = new List<(int Member, int Node, int Chain)>();
        if (withEntries)
        {
            foreach (var member in entries)
            {
                entryPorts.Add((member, layers.Count, edges.Count));
                edges.Add((layers.Count, member));
                layers.Add(0);
            }
        }

        if (withExits)
        {
            var exitLayer = (withEntries ? last + 1 : last) + 1;
            foreach (var member in exits)
            {
                exitPorts.Add((member, layers.Count, edges.Count));
                edges.Add((member, layers.Count));
                layers.Add(exitLayer);
            }
        }

        return new PortPlan([.. layers], edges, entryPorts, exitPorts);
    }
}
