using Updraft.Core.Graphs;

namespace Updraft.Core.Tests.Graphs;

/// <summary>Checks of a layout's geometry shared by the layout tests.</summary>
internal static class LayoutAssert
{
    public const double Tolerance = 1e-6;

    public static void AssertPoint(Point expected, Point actual)
    {
        Assert.Equal(expected.X, actual.X, Tolerance);
        Assert.Equal(expected.Y, actual.Y, Tolerance);
    }

    public static bool StrictlyInside(Point point, PlacedNode node) =>
        point.X > node.X + Tolerance && point.X < node.X + node.Width - Tolerance
        && point.Y > node.Y + Tolerance && point.Y < node.Y + node.Height - Tolerance;

    public static void AssertNoOverlaps(LayoutResult result, IReadOnlyList<LayoutNode> nodes)
    {
        var parents = nodes.ToDictionary(n => n.Id, n => n.Parent);
        bool Contains(string group, string id)
        {
            for (var p = parents[id]; p is not null; p = parents[p])
            {
                if (p == group)
                {
                    return true;
                }
            }

            return false;
        }

        var placed = result.Nodes.OrderBy(n => n.X).ToArray();
        for (var i = 0; i < placed.Length; i++)
        {
            var a = placed[i];
            for (var j = i + 1; j < placed.Length && placed[j].X < a.X + a.Width - Tolerance; j++)
            {
                var b = placed[j];
                var overlap = b.Y < a.Y + a.Height - Tolerance && a.Y < b.Y + b.Height - Tolerance;
                Assert.False(overlap && !Contains(a.Id, b.Id) && !Contains(b.Id, a.Id), $"{a} overlaps {b}");
            }
        }
    }

    // Edges stay readable: a segment may run inside its own ends' groups, but never through any other box.
    public static void AssertSegmentsAvoidOtherBoxes(LayoutResult result, IReadOnlyList<LayoutNode> nodes)
    {
        var parents = nodes.ToDictionary(n => n.Id, n => n.Parent);
        IEnumerable<string> SelfAndGroups(string id)
        {
            for (string? v = id; v is not null; v = parents[v])
            {
                yield return v;
            }
        }

        var boxes = result.Nodes.OrderBy(n => n.X).ToArray();
        var lefts = boxes.Select(b => b.X).ToArray();
        var widest = boxes.Length == 0 ? 0 : boxes.Max(b => b.Width);
        foreach (var edge in result.Edges)
        {
            var allowed = SelfAndGroups(edge.From).Concat(SelfAndGroups(edge.To)).ToHashSet();
            foreach (var (a, b) in edge.Points.Zip(edge.Points.Skip(1)))
            {
                // Only boxes starting left of the segment's right end and within the widest box of its left end.
                var from = Array.BinarySearch(lefts, Math.Min(a.X, b.X) - widest - 1);
                for (var i = from < 0 ? ~from : from; i < boxes.Length && boxes[i].X <= Math.Max(a.X, b.X); i++)
                {
                    var box = boxes[i];
                    Assert.False(
                        !allowed.Contains(box.Id) && SegmentEntersBox(a, b, box),
                        $"{edge.From} -> {edge.To}: segment {a} - {b} crosses {box}");
                }
            }
        }
    }

    // Liang–Barsky clipping against the box shrunk by the tolerance: touching a border is not entering.
    private static bool SegmentEntersBox(Point a, Point b, PlacedNode box)
    {
        var (t0, t1) = (0.0, 1.0);
        var (dx, dy) = (b.X - a.X, b.Y - a.Y);
        (double P, double Q)[] sides =
        [
            (-dx, a.X - (box.X + Tolerance)), (dx, box.X + box.Width - Tolerance - a.X),
            (-dy, a.Y - (box.Y + Tolerance)), (dy, box.Y + box.Height - Tolerance - a.Y),
        ];
        foreach (var (p, q) in sides)
        {
            if (p == 0)
            {
                if (q < 0)
                {
                    return false;
                }
            }
            else if (p < 0)
            {
                t0 = Math.Max(t0, q / p);
            }
            else
            {
                t1 = Math.Min(t1, q / p);
            }
        }

        return t0 < t1;
    }

    public static void AssertGroupsContainMembers(LayoutResult result, IReadOnlyList<LayoutNode> nodes, LayoutOptions options)
    {
        var placed = result.Nodes.ToDictionary(n => n.Id);
        foreach (var node in nodes.Where(n => n.Parent is not null))
        {
            var (member, group) = (placed[node.Id], placed[node.Parent!]);
            Assert.True(member.X >= group.X + options.GroupPadding - Tolerance, $"{member} left of {group}");
            Assert.True(member.Y >= group.Y + options.GroupHeader + options.GroupPadding - Tolerance, $"{member} above {group}");
            Assert.True(member.X + member.Width <= group.X + group.Width - options.GroupPadding + Tolerance, $"{member} right of {group}");
            Assert.True(member.Y + member.Height <= group.Y + group.Height - options.GroupPadding + Tolerance, $"{member} below {group}");
        }
    }

    public static void AssertInsideBounds(LayoutResult result)
    {
        Assert.All(result.Nodes, n => Assert.True(
            n.X >= -Tolerance && n.Y >= -Tolerance && n.X + n.Width <= result.Width + Tolerance && n.Y + n.Height <= result.Height + Tolerance,
            $"{n} outside {result.Width} x {result.Height}"));
        Assert.All(result.Edges.SelectMany(e => e.Points), p => Assert.True(
            p.X >= -Tolerance && p.Y >= -Tolerance && p.X <= result.Width + Tolerance && p.Y <= result.Height + Tolerance,
            $"{p} outside {result.Width} x {result.Height}"));
    }
}
