namespace Updraft.Core.Graphs;

/// <summary>Turns an input edge's routes, level by level, into one polyline in absolute coordinates.</summary>
internal static class EdgeDrawer
{
    /// <summary>
    /// The polyline from the actual source to the actual target. On each side, from the end node outwards: along
    /// its column to the column's side (a box narrower than its column is centred in it), then for each group the end
    /// lies in below the routing level, through the group's port if it has one for that member, and out through the
    /// group's border; then, at the routing level, through the edge's own bends. Slanted segments therefore only run
    /// between columns, where no box of that level stands.
    /// </summary>
    public static PlacedEdge Draw(RoutedEdge edge, GroupTree tree, LevelProblem[] levels, PlacedNode[] placed, Point[] origins)
    {
        var route = levels[edge.Level].Layout!.Routes[edge.LevelEdge];
        var (tail, head) = route.Reversed ? (edge.To, edge.From) : (edge.From, edge.To);

        var points = new List<Point>();
        AddTailSide(points, tail, edge.Level, tree, levels, placed, origins);
        var origin = origins[edge.Level];
        points.AddRange(route.Bends.Select(b => new Point(origin.X + b.X, origin.Y + b.Y)));
        var headSide = new List<Point>();
        AddHeadSide(headSide, head, edge.Level, tree, levels, placed, origins);
        headSide.Reverse();
        points.AddRange(headSide);
        if (route.Reversed)
        {
            points.Reverse();
        }

        return new PlacedEdge(placed[edge.From].Id, placed[edge.To].Id, WithoutRepeats(points), route.Reversed);
    }

    private static void AddTailSide(List<Point> points, int node, int level, GroupTree tree, LevelProblem[] levels, PlacedNode[] placed, Point[] origins)
    {
        var box = placed[node];
        var y = box.Y + (box.Height / 2);
        points.Add(new Point(box.X + box.Width, y));
        for (var current = node; ; current = tree.Parent(current))
        {
            var container = tree.Parent(current);
            var problem = levels[container];
            var layout = problem.Layout!;
            var origin = origins[container];
            var local = problem.LocalIndex(current);
            var columnRight = origin.X + layout.ColumnRight[layout.Column[local]];
            if (placed[current].X + placed[current].Width < columnRight)
            {
                points.Add(new Point(columnRight, y));
            }

            if (container == level)
            {
                return;
            }

            if (layout.ExitPorts.TryGetValue(local, out var port))
            {
                points.AddRange(port.Bends.Select(b => new Point(origin.X + b.X, origin.Y + b.Y)));
                y = origin.Y + port.Port.Y;
                points.Add(new Point(origin.X + port.Port.X, y));
            }

            var group = placed[container];
            points.Add(new Point(group.X + group.Width, y));
        }
    }

    // Built from the head node outwards, as the head's side is the tail's mirrored; the caller reverses it.
    private static void AddHeadSide(List<Point> points, int node, int level, GroupTree tree, LevelProblem[] levels, PlacedNode[] placed, Point[] origins)
    {
        var box = placed[node];
        var y = box.Y + (box.Height / 2);
        points.Add(new Point(box.X, y));
        for (var current = node; ; current = tree.Parent(current))
        {
            var container = tree.Parent(current);
            var problem = levels[container];
            var layout = problem.Layout!;
            var origin = origins[container];
            var local = problem.LocalIndex(current);
            var columnLeft = origin.X + layout.ColumnLeft[layout.Column[local]];
            if (placed[current].X > columnLeft)
            {
                points.Add(new Point(columnLeft, y));
            }

            if (container == level)
            {
                return;
            }

            if (layout.EntryPorts.TryGetValue(local, out var port))
            {
                points.AddRange(port.Bends.Reverse().Select(b => new Point(origin.X + b.X, origin.Y + b.Y)));
                y = origin.Y + port.Port.Y;
                points.Add(new Point(origin.X + port.Port.X, y));
            }

            points.Add(new Point(placed[container].X, y));
        }
    }

    // A port on a group's border, or a column side that is a box's own side, would repeat a point.
    private static List<Point> WithoutRepeats(List<Point> points)
    {
        var result = new List<Point>(points.Count);
        foreach (var point in points)
        {
            if (result.Count == 0 || result[^1] != point)
            {
                result.Add(point);
            }
        }

        return result;
    }
}
