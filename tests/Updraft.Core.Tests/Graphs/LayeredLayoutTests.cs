using Updraft.Core.Graphs;
using static Updraft.Core.Tests.Graphs.LayoutAssert;

namespace Updraft.Core.Tests.Graphs;

public class LayeredLayoutTests
{
    [Fact]
    public void Compute_EmptyGraph_ReturnsNothingOfNoSize()
    {
        var result = LayeredLayout.Compute([], []);

        Assert.Empty(result.Nodes);
        Assert.Empty(result.Edges);
        Assert.Equal(0, result.Width);
        Assert.Equal(0, result.Height);
        Assert.Equal(0, result.Crossings);
    }

    [Fact]
    public void Compute_Chain_PlacesOneNodePerColumnLeftToRightOnAStraightLine()
    {
        var result = LayeredLayout.Compute([Node("a"), Node("b"), Node("c")], [Edge("a", "b"), Edge("b", "c")]);

        Assert.Equal([0, 1, 2], result.Nodes.Select(n => n.Layer));
        Assert.True(At(result, "a").X + At(result, "a").Width < At(result, "b").X);
        Assert.True(At(result, "b").X + At(result, "b").Width < At(result, "c").X);
        Assert.All(result.Edges.SelectMany(e => e.Points), p => Assert.Equal(15, p.Y, Tolerance));
        Assert.Equal(0, result.Crossings);
    }

    [Fact]
    public void Compute_Dag_EveryEdgeGoesToAHigherLayerFromSourceRightToTargetLeft()
    {
        var (nodes, edges) = LayoutSamples.RandomDag(seed: 7, count: 60, extraEdges: 90);

        var result = LayeredLayout.Compute(nodes, edges);

        Assert.Equal(edges.Distinct().Count(), result.Edges.Count);
        foreach (var edge in result.Edges)
        {
            var (from, to) = (At(result, edge.From), At(result, edge.To));
            Assert.False(edge.IsReversed);
            Assert.True(from.Layer < to.Layer, $"{edge.From} -> {edge.To}");
            AssertPoint(new Point(from.X + from.Width, from.Y + (from.Height / 2)), edge.Points[0]);
            AssertPoint(new Point(to.X, to.Y + (to.Height / 2)), edge.Points[^1]);
        }
    }

    [Fact]
    public void Compute_Dag_NoTwoBoxesOverlapAndEverythingLiesInsideTheSize()
    {
        var (nodes, edges) = LayoutSamples.RandomDag(seed: 11, count: 80, extraEdges: 120);

        var result = LayeredLayout.Compute(nodes, edges);

        AssertNoOverlaps(result, nodes);
        AssertInsideBounds(result);
    }

    [Fact]
    public void Compute_Diamond_HasNoCrossings()
    {
        var result = LayeredLayout.Compute(
            [Node("a"), Node("b"), Node("c"), Node("d")],
            [Edge("a", "b"), Edge("a", "c"), Edge("b", "d"), Edge("c", "d")]);

        Assert.Equal(0, result.Crossings);
        Assert.Equal([0, 1, 1, 2], result.Nodes.Select(n => n.Layer));
    }

    [Fact]
    public void Compute_Tree_HasNoCrossings()
    {
        List<LayoutNode> nodes = [Node("root")];
        List<LayoutEdge> edges = [];
        for (var i = 0; i < 3; i++)
        {
            nodes.Add(Node($"c{i}"));
            edges.Add(Edge("root", $"c{i}"));
            for (var j = 0; j < 3; j++)
            {
                nodes.Add(Node($"c{i}.{j}"));
                edges.Add(Edge($"c{i}", $"c{i}.{j}"));
            }
        }

        // Leaves listed before their parents' siblings, and edges in reverse order, to start from a poor order.
        nodes.Reverse();
        edges.Reverse();

        var result = LayeredLayout.Compute(nodes, edges);

        Assert.Equal(0, result.Crossings);
    }

    [Fact]
    public void Compute_InterleavedChainsInCrossingInputOrder_HasNoCrossings()
    {
        // Listed so that the second column, in input order, reads b2 a2 against a1 b1 in the first.
        var result = LayeredLayout.Compute(
            [Node("a1"), Node("b1"), Node("b2"), Node("a2"), Node("a3"), Node("b3")],
            [Edge("b1", "b2"), Edge("a1", "a2"), Edge("b2", "b3"), Edge("a2", "a3")]);

        Assert.Equal(0, result.Crossings);
        Assert.True(At(result, "a1").Y < At(result, "b1").Y == At(result, "a2").Y < At(result, "b2").Y);
        Assert.True(At(result, "a2").Y < At(result, "b2").Y == At(result, "a3").Y < At(result, "b3").Y);
    }

    [Fact]
    public void Compute_CompleteBipartiteTwoByTwo_HasExactlyOneCrossing()
    {
        var result = LayeredLayout.Compute(
            [Node("a"), Node("b"), Node("x"), Node("y")],
            [Edge("a", "x"), Edge("a", "y"), Edge("b", "x"), Edge("b", "y")]);

        Assert.Equal(1, result.Crossings);
    }

    [Fact]
    public void Compute_GraphWithCrossingsInItsInitialOrder_SweepsRemoveThem()
    {
        var nodes = "abcdefgh".Select(c => Node(c.ToString())).ToArray();
        LayoutEdge[] edges = [Edge("a", "c"), Edge("a", "d"), Edge("b", "e"), Edge("b", "c"), Edge("c", "f"), Edge("d", "g"), Edge("e", "h"), Edge("e", "f")];

        var unsorted = LayeredLayout.Compute(nodes, edges, new LayoutOptions { CrossingSweeps = 0 });
        var sorted = LayeredLayout.Compute(nodes, edges);

        Assert.True(unsorted.Crossings > 0);
        Assert.True(sorted.Crossings < unsorted.Crossings, $"{sorted.Crossings} >= {unsorted.Crossings}");
    }

    [Fact]
    public void Compute_LongEdge_BendsAtEachLayerItSpansOutsideEveryBox()
    {
        LayoutNode[] nodes = [Node("a"), Node("b"), Node("c"), Node("d")];

        var result = LayeredLayout.Compute(nodes, [Edge("a", "b"), Edge("b", "c"), Edge("c", "d"), Edge("a", "d")]);

        var edge = Assert.Single(result.Edges, e => e.From == "a" && e.To == "d");
        // Two bends (into and out of the column) for each of the two layers between a and d.
        Assert.Equal(6, edge.Points.Count);
        Assert.All(edge.Points.Zip(edge.Points.Skip(1)), s => Assert.True(s.First.X <= s.Second.X));
        foreach (var point in edge.Points.Skip(1).SkipLast(1))
        {
            Assert.DoesNotContain(result.Nodes, n => StrictlyInside(point, n));
        }
    }

    [Fact]
    public void Compute_Cycle_ReversesOneEdgeAndDrawsItFromSourceLeftToTargetRight()
    {
        var result = LayeredLayout.Compute([Node("a"), Node("b"), Node("c")], [Edge("a", "b"), Edge("b", "c"), Edge("c", "a")]);

        var back = Assert.Single(result.Edges, e => e.IsReversed);
        Assert.Equal(("c", "a"), (back.From, back.To));
        var (from, to) = (At(result, "c"), At(result, "a"));
        Assert.True(to.Layer < from.Layer);
        AssertPoint(new Point(from.X, from.Y + (from.Height / 2)), back.Points[0]);
        AssertPoint(new Point(to.X + to.Width, to.Y + (to.Height / 2)), back.Points[^1]);
        Assert.Equal([0, 1, 2], result.Nodes.Select(n => n.Layer));
    }

    [Fact]
    public void Compute_TwoCycle_DrawsBothEdges()
    {
        var result = LayeredLayout.Compute([Node("a"), Node("b")], [Edge("a", "b"), Edge("b", "a")]);

        Assert.Equal(2, result.Edges.Count);
        Assert.Single(result.Edges, e => e.IsReversed);
        AssertNoOverlaps(result, [Node("a"), Node("b")]);
    }

    [Fact]
    public void Compute_EdgeToUnknownNode_ThrowsNamingIt()
    {
        var error = Assert.Throws<ArgumentException>(() => LayeredLayout.Compute([Node("a")], [Edge("a", "ghost")]));

        Assert.Contains("'ghost'", error.Message, StringComparison.Ordinal);
        Assert.Equal("edges", error.ParamName);
    }

    [Fact]
    public void Compute_DuplicateNodeId_Throws()
    {
        Assert.Throws<ArgumentException>(() => LayeredLayout.Compute([Node("a"), Node("a")], []));
    }

    [Fact]
    public void Compute_UnknownParent_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => LayeredLayout.Compute([Node("a", parent: "nowhere")], []));

        Assert.Contains("'nowhere'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_GroupInsideItself_Throws()
    {
        Assert.Throws<ArgumentException>(() => LayeredLayout.Compute([Node("g", parent: "h"), Node("h", parent: "g")], []));
    }

    [Fact]
    public void Compute_SelfLoopAndRepeatedEdge_AreDroppedQuietly()
    {
        var result = LayeredLayout.Compute([Node("a"), Node("b")], [Edge("a", "a"), Edge("a", "b"), Edge("a", "b")]);

        var edge = Assert.Single(result.Edges);
        Assert.Equal(("a", "b"), (edge.From, edge.To));
        Assert.Equal([0, 1], result.Nodes.Select(n => n.Layer));
    }

    [Fact]
    public void Compute_SourceFeedingALaterNode_IsPulledNextToIt()
    {
        // s only feeds d, which sits at layer 3: s moves to layer 2 rather than stretching its edge over three layers.
        var result = LayeredLayout.Compute(
            [Node("a"), Node("b"), Node("c"), Node("d"), Node("s")],
            [Edge("a", "b"), Edge("b", "c"), Edge("c", "d"), Edge("s", "d")]);

        Assert.Equal(2, At(result, "s").Layer);
    }

    [Fact]
    public void Compute_SameInputTwice_GivesEqualResults()
    {
        var (nodes, edges) = LayoutSamples.GroupedDag(seed: 3, groups: 4, tasksPerGroup: 30);

        var first = LayeredLayout.Compute(nodes, edges);
        var second = LayeredLayout.Compute(nodes, edges);

        Assert.Equal(first.Nodes, second.Nodes);
        Assert.Equal(first.Edges.Select(e => (e.From, e.To, e.IsReversed)), second.Edges.Select(e => (e.From, e.To, e.IsReversed)));
        Assert.Equal(first.Edges.SelectMany(e => e.Points), second.Edges.SelectMany(e => e.Points));
        Assert.Equal((first.Width, first.Height, first.Crossings), (second.Width, second.Height, second.Crossings));
    }

    [Fact]
    public void Compute_Group_IsSizedToItsContentPlusPaddingAndHeader()
    {
        var options = new LayoutOptions { GroupPadding = 10, GroupHeader = 20, LayerGap = 50 };

        var result = LayeredLayout.Compute([Node("g", width: 0, height: 0), Node("a", "g"), Node("b", "g")], [Edge("a", "b")], options);

        var group = At(result, "g");
        Assert.True(group.IsGroup);
        Assert.False(At(result, "a").IsGroup);
        Assert.Equal(80 + 50 + 80 + 20, group.Width, Tolerance);
        Assert.Equal(30 + 20 + 20, group.Height, Tolerance);
        Assert.Equal(group.X + 10, At(result, "a").X, Tolerance);
        Assert.Equal(group.Y + 20 + 10, At(result, "a").Y, Tolerance);
        Assert.Equal((group.Width, group.Height), (result.Width, result.Height));
    }

    [Fact]
    public void Compute_NestedGroups_ContainTheirMembersAndOverlapNothingElse()
    {
        LayoutNode[] nodes =
        [
            Node("start"), Node("outer"), Node("inner", "outer"), Node("x", "inner"), Node("y", "inner"),
            Node("p", "outer"), Node("q", "outer"), Node("side"), Node("end"),
        ];
        LayoutEdge[] edges =
        [
            Edge("start", "p"), Edge("p", "x"), Edge("x", "y"), Edge("y", "q"), Edge("p", "q"),
            Edge("q", "end"), Edge("start", "side"), Edge("side", "end"), Edge("start", "y"),
        ];

        var result = LayeredLayout.Compute(nodes, edges);

        AssertNoOverlaps(result, nodes);
        AssertGroupsContainMembers(result, nodes, new LayoutOptions());
        AssertInsideBounds(result);
        Assert.True(At(result, "inner").IsGroup);
        Assert.True(At(result, "outer").IsGroup);
    }

    [Fact]
    public void Compute_EdgeBetweenGroups_RunsFromTheActualSourceToTheActualTarget()
    {
        LayoutNode[] nodes = [Node("g"), Node("a", "g"), Node("b", "g"), Node("h"), Node("c", "h"), Node("d", "h")];
        LayoutEdge[] edges = [Edge("a", "b"), Edge("c", "d"), Edge("b", "c"), Edge("a", "d")];

        var result = LayeredLayout.Compute(nodes, edges);

        Assert.True(At(result, "g").Layer < At(result, "h").Layer);
        foreach (var edge in result.Edges)
        {
            var (from, to) = (At(result, edge.From), At(result, edge.To));
            AssertPoint(new Point(from.X + from.Width, from.Y + (from.Height / 2)), edge.Points[0]);
            AssertPoint(new Point(to.X, to.Y + (to.Height / 2)), edge.Points[^1]);
        }
    }

    [Fact]
    public void Compute_EdgeToAMemberDeepInsideAGroup_EntersThroughAPortOnTheGroupsLeftBorder()
    {
        LayoutNode[] nodes = [Node("x"), Node("g"), Node("a", "g"), Node("b", "g"), Node("c", "g")];
        LayoutEdge[] edges = [Edge("a", "b"), Edge("b", "c"), Edge("x", "a"), Edge("x", "c")];

        var result = LayeredLayout.Compute(nodes, edges);

        var group = At(result, "g");
        var edge = Assert.Single(result.Edges, e => e.From == "x" && e.To == "c");
        var border = Assert.Single(edge.Points, p => Math.Abs(p.X - group.X) < Tolerance);
        Assert.InRange(border.Y, group.Y, group.Y + group.Height);
        AssertSegmentsAvoidOtherBoxes(result, nodes);
    }

    [Fact]
    public void Compute_EdgesBetweenNestedGroups_CrossNoBoxButTheirEndsAndTheirGroups()
    {
        LayoutNode[] nodes =
        [
            Node("g"), Node("g.in", "g"), Node("a", "g.in"), Node("b", "g.in"), Node("c", "g.in"), Node("d", "g"), Node("e", "g"),
            Node("h"), Node("p", "h"), Node("q", "h"), Node("r", "h"), Node("lone"),
        ];
        LayoutEdge[] edges =
        [
            Edge("a", "b"), Edge("b", "c"), Edge("c", "d"), Edge("d", "e"), Edge("p", "q"), Edge("q", "r"),
            Edge("a", "q"), Edge("b", "r"), Edge("e", "p"), Edge("lone", "b"), Edge("lone", "r"), Edge("a", "e"),
        ];

        var result = LayeredLayout.Compute(nodes, edges);

        AssertNoOverlaps(result, nodes);
        AssertGroupsContainMembers(result, nodes, new LayoutOptions());
        AssertSegmentsAvoidOtherBoxes(result, nodes);
        AssertInsideBounds(result);
    }

    [Fact]
    public void Compute_EdgeFromGroupToItsOwnMember_IsDropped()
    {
        var result = LayeredLayout.Compute([Node("g"), Node("a", "g"), Node("b")], [Edge("g", "a"), Edge("g", "b")]);

        var edge = Assert.Single(result.Edges);
        Assert.Equal(("g", "b"), (edge.From, edge.To));
    }

    [Fact]
    public void Compute_ThousandTasksInGroups_OverlapNothingAndStayInsideTheirGroups()
    {
        var (nodes, edges) = LayoutSamples.GroupedDag(seed: 42, groups: 10, tasksPerGroup: 100);

        var result = LayeredLayout.Compute(nodes, edges);

        Assert.Equal(1010, result.Nodes.Count);
        AssertNoOverlaps(result, nodes);
        AssertGroupsContainMembers(result, nodes, new LayoutOptions());
        AssertSegmentsAvoidOtherBoxes(result, nodes);
        AssertInsideBounds(result);
        Assert.All(result.Edges, e => Assert.False(e.IsReversed));
    }

    [Fact]
    public void Compute_ThousandTasksWithoutGroups_OverlapNothing()
    {
        var (grouped, edges) = LayoutSamples.GroupedDag(seed: 42, groups: 10, tasksPerGroup: 100);
        var nodes = grouped.Where(n => n.Parent is not null).Select(n => n with { Parent = null }).ToArray();

        var result = LayeredLayout.Compute(nodes, edges);

        AssertNoOverlaps(result, nodes);
        AssertSegmentsAvoidOtherBoxes(result, nodes);
        AssertInsideBounds(result);
        var layers = result.Nodes.ToDictionary(n => n.Id, n => n.Layer);
        Assert.All(result.Edges, e => Assert.True(layers[e.From] < layers[e.To]));
    }

    private static LayoutNode Node(string id, string? parent = null, double width = 80, double height = 30) => new(id, width, height, parent);

    private static LayoutEdge Edge(string from, string to) => new(from, to);

    private static PlacedNode At(LayoutResult result, string id) => result.Nodes.Single(n => n.Id == id);
}
