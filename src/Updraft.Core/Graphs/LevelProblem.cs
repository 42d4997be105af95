namespace Updraft.Core.Graphs;

/// <summary>
/// One level to lay out: the members of a group (or the top-level nodes), the edges between them, and which members
/// edges leave or enter the group through.
/// </summary>
internal sealed class LevelProblem
{
    private readonly Dictionary<int, int> localIndex = [];
    private readonly Dictionary<(int, int), int> edgeIndex = [];
    private readonly List<(int From, int To)> edges = [];
    private readonly List<int> exits = [];
    private readonly List<int> entries = [];
    private readonly HashSet<int> requested = [];
    private bool[]? reversed;

    public LevelProblem(IReadOnlyList<int> members)
    {
        Members = members;
        for (var i = 0; i < members.Count; i++)
        {
            localIndex.Add(members[i], i);
        }
    }

    /// <summary>The member nodes; a node's position here is its level-local index.</summary>
    public IReadOnlyList<int> Members { get; }

    public LevelLayout? Layout { get; private set; }

    /// <summary>
    /// Which edges close a cycle and are laid out reversed. Known before any level is laid out, since it decides on
    /// which side of their groups the reversed edges' ends attach.
    /// </summary>
    public IReadOnlyList<bool> Reversed => ReversedFlags;

    private bool[] ReversedFlags => reversed ??= CycleBreaker.FindBackEdges(Members.Count, edges);

    public int LocalIndex(int member) => localIndex[member];

    /// <summary>
    /// Adds an edge between two members, or finds the one already there: several input edges between the contents of
    /// two groups share one edge of their level, and so one route.
    /// </summary>
    /// <returns>The edge's level-local index.</returns>
    public int AddEdge(int fromMember, int toMember)
    {
        if (reversed is not null)
        {
            throw new InvalidOperationException("Edges are added before cycles are broken.");
        }

        var pair = (localIndex[fromMember], localIndex[toMember]);
        if (!edgeIndex.TryGetValue(pair, out var index))
        {
            index = edges.Count;
            edgeIndex.Add(pair, index);
            edges.Add(pair);
        }

        return index;
    }

    /// <summary>Asks for edges to leave the group (towards higher layers) from this member or a node inside it.</summary>
    public void RequestExit(int member)
    {
        if (requested.Add(localIndex[member]))
        {
            exits.Add(localIndex[member]);
        }
    }

    /// <summary>Asks for edges to enter the group at this member or a node inside it.</summary>
    public void RequestEntry(int member)
    {
        // Entries are told apart from exits by sign, so one set serves both.
        if (requested.Add(~localIndex[member]))
        {
            entries.Add(localIndex[member]);
        }
    }

    public LevelLayout Lay(double[] widths, double[] heights, LayoutOptions options) =>
        Layout = FlatLayout.Compute(
            [.. Members.Select(m => widths[m])], [.. Members.Select(m => heights[m])], edges, ReversedFlags, exits, entries, options);
}
