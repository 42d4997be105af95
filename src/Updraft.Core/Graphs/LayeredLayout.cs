namespace Updraft.Core.Graphs;

/// <summary>
/// A Sugiyama-style layered layout for DAG drawings, left to right: layers are columns, and each column stacks its
/// nodes top to bottom. Task groups are laid out recursively: a group's members first (innermost groups first), then
/// the group as one box in its parent's layout. An edge between groups is laid out at the level of the closest group
/// holding both ends, and inside each group it crosses from the member holding its end to a port on the group's
/// border. The result depends only on the input (order included).
/// </summary>
/// <remarks>
/// The steps, per level: cycle breaking (depth-first back edges are reversed), layering (longest path, then nodes with
/// more outgoing than incoming edges pulled towards their successors), dummy nodes on edges spanning several layers,
/// crossing reduction (barycenter sweeps with transposition, keeping the ordering with the fewest crossings by exact
/// count) and coordinate assignment (Brandes–Köpf). See the collaborators for details.
/// </remarks>
public static class LayeredLayout
{
    /// <summary>Lays out <paramref name="nodes"/> and <paramref name="edges"/>.</summary>
    /// <param name="nodes">The boxes; ids unique, parents naming other nodes (a node some node names is a group).</param>
    /// <param name="edges">
    /// The dependencies. Cycles are allowed (the edges closing them run right to left); self-loops, repeated edges and
    /// edges between a group and its own member are dropped.
    /// </param>
    /// <param name="options">Spacing and effort; defaults when null.</param>
    /// <exception cref="ArgumentException">An edge names an unknown node, or the nodes are inconsistent.</exception>
    public static LayoutResult Compute(IReadOnlyList<LayoutNode> nodes, IReadOnlyList<LayoutEdge> edges, LayoutOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        ArgumentNullException.ThrowIfNull(edges);
        options ??= new LayoutOptions();
        Validate(options);
        var tree = GroupTree.Build(nodes);

        // levels[g] holds the layout problem inside group g; levels[tree.Root] the top level's.
        var levels = new LevelProblem[tree.Count + 1];
        foreach (var level in tree.GroupsInnermostFirst().Append(tree.Root))
        {
            levels[level] = new LevelProblem(tree.Children(level));
        }

        var routed = RouteEdges(tree, levels, edges);
        RequestPorts(tree, levels, routed);

        var widths = nodes.Select(n => n.Width).ToArray();
        var heights = nodes.Select(n => n.Height).ToArray();
        long crossings = 0;
        foreach (var level in tree.GroupsInnermostFirst().Append(tree.Root))
        {
            var layout = levels[level].Lay(widths, heights, options);
            crossings += layout.Crossings;
            if (level != tree.Root)
            {
                widths[level] = Math.Max(widths[level], layout.Width + (2 * options.GroupPadding));
                heights[level] = Math.Max(heights[level], layout.Height + (2 * options.GroupPadding) + options.GroupHeader);
            }
        }

        var placement = Place(tree, levels, options);
        var placed = new PlacedNode[nodes.Count];
        for (var v = 0; v < nodes.Count; v++)
        {
            placed[v] = new PlacedNode(nodes[v].Id, placement.X[v], placement.Y[v], widths[v], heights[v], placement.Layer[v], tree.IsGroup(v));
        }

        var drawn = routed.Select(e => EdgeDrawer.Draw(e, tree, levels, placed, placement.Origins)).ToArray();
        var top = levels[tree.Root].Layout!;
        return new LayoutResult(placed, drawn, top.Width, top.Height, (int)Math.Min(crossings, int.MaxValue));
    }

    private static void Validate(LayoutOptions options)
    {
        double[] distances = [options.LayerGap, options.NodeGap, options.EdgeGap, options.GroupPadding, options.GroupHeader];
        if (distances.Any(d => !double.IsFinite(d) || d < 0))
        {
            throw new ArgumentException("Layout gaps, padding and header must be finite and not negative.", nameof(options));
        }

        if (options.CrossingSweeps < 0)
        {
            throw new ArgumentException("CrossingSweeps must not be negative.", nameof(options));
        }
    }

    private static List<RoutedEdge> RouteEdges(GroupTree tree, LevelProblem[] levels, IReadOnlyList<LayoutEdge> edges)
    {
        var seen = new HashSet<(int, int)>();
        var routed = new List<RoutedEdge>();
        for (var i = 0; i < edges.Count; i++)
        {
            var edge = edges[i] ?? throw new ArgumentException($"Edge {i} is null.", nameof(edges));
            var from = Lookup(tree, edge.From);
            var to = Lookup(tree, edge.To);
            if (from < 0 || to < 0)
            {
                var unknown = from < 0 ? edge.From : edge.To;
                throw new ArgumentException($"Edge '{edge.From}' -> '{edge.To}' names unknown node '{unknown}'.", nameof(edges));
            }

            if (from == to || !seen.Add((from, to)) || !tree.TryFindLevel(from, to, out var level, out var fromMember, out var toMember))
            {
                continue;
            }

            routed.Add(new RoutedEdge(from, to, level, levels[level].AddEdge(fromMember, toMember)));
        }

        return routed;
    }

    // An edge whose end lies deeper than the level it is routed at crosses the border of every group around that end
    // below the level: each of those groups is told which of its members the edge leaves or enters through. Which
    // side is the exit follows the layout direction, so a reversed edge leaves from its target's groups.
    private static void RequestPorts(GroupTree tree, LevelProblem[] levels, List<RoutedEdge> routed)
    {
        foreach (var edge in routed)
        {
            var reversed = levels[edge.Level].Reversed[edge.LevelEdge];
            var (tail, head) = reversed ? (edge.To, edge.From) : (edge.From, edge.To);
            for (var v = tail; tree.Parent(v) != edge.Level; v = tree.Parent(v))
            {
                levels[tree.Parent(v)].RequestExit(v);
            }

            for (var v = head; tree.Parent(v) != edge.Level; v = tree.Parent(v))
            {
                levels[tree.Parent(v)].RequestEntry(v);
            }
        }
    }

    private static int Lookup(GroupTree tree, string? id) => id is not null && tree.Index.TryGetValue(id, out var index) ? index : -1;

    // Top-down: a level's origin is its group's top-left plus padding and header, so members end up in absolute
    // coordinates once their group is.
    private static Placement Place(GroupTree tree, LevelProblem[] levels, LayoutOptions options)
    {
        var placement = new Placement(tree.Count);
        var pending = new Stack<int>();
        pending.Push(tree.Root);
        while (pending.Count > 0)
        {
            var level = pending.Pop();
            var problem = levels[level];
            var layout = problem.Layout!;
            var origin = placement.Origins[level];
            for (var i = 0; i < problem.Members.Count; i++)
            {
                var v = problem.Members[i];
                placement.X[v] = origin.X + layout.X[i];
                placement.Y[v] = origin.Y + layout.Y[i];
                placement.Layer[v] = layout.Layer[i];
                if (tree.IsGroup(v))
                {
                    placement.Origins[v] = new Point(
                        placement.X[v] + options.GroupPadding, placement.Y[v] + options.GroupHeader + options.GroupPadding);
                    pending.Push(v);
                }
            }
        }

        return placement;
    }
}
