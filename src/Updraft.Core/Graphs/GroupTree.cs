namespace Updraft.Core.Graphs;

/// <summary>
/// The nesting of nodes in groups, checked: unique ids, known parents, no group inside itself. Index
/// <see cref="Root"/> stands for the top level, the parent of every node without one.
/// </summary>
internal sealed class GroupTree
{
    private readonly int[] parent;
    private readonly int[] depth;
    private readonly List<int>[] children;

    private GroupTree(Dictionary<string, int> index, int[] parent, int[] depth, List<int>[] children)
    {
        Index = index;
        this.parent = parent;
        this.depth = depth;
        this.children = children;
    }

    public IReadOnlyDictionary<string, int> Index { get; }

    public int Count => parent.Length;

    public int Root => parent.Length;

    public int Parent(int v) => parent[v];

    /// <summary>The nodes directly inside <paramref name="v"/> (or at the top level for <see cref="Root"/>), in input order.</summary>
    public IReadOnlyList<int> Children(int v) => children[v];

    public bool IsGroup(int v) => children[v].Count > 0;

    /// <summary>Every group, deepest first, so that a group's member groups come before it.</summary>
    public IEnumerable<int> GroupsInnermostFirst() =>
        Enumerable.Range(0, Count).Where(IsGroup).OrderByDescending(g => depth[g]).ThenBy(g => g);

    public static GroupTree Build(IReadOnlyList<LayoutNode> nodes)
    {
        var index = new Dictionary<string, int>(nodes.Count, StringComparer.Ordinal);
        for (var i = 0; i < nodes.Count; i++)
        {
            var node = nodes[i] ?? throw new ArgumentException($"Node {i} is null.", nameof(nodes));
            ArgumentNullException.ThrowIfNull(node.Id, nameof(nodes));
            if (!double.IsFinite(node.Width) || node.Width < 0 || !double.IsFinite(node.Height) || node.Height < 0)
            {
                throw new ArgumentException($"Node '{node.Id}' has size {node.Width} × {node.Height}; sizes must be finite and not negative.", nameof(nodes));
            }

            if (!index.TryAdd(node.Id, i))
            {
                throw new ArgumentException($"Node id '{node.Id}' appears more than once.", nameof(nodes));
            }
        }

        var root = nodes.Count;
        var parent = new int[nodes.Count];
        var children = new List<int>[nodes.Count + 1];
        for (var i = 0; i <= nodes.Count; i++)
        {
            children[i] = [];
        }

        for (var i = 0; i < nodes.Count; i++)
        {
            var parentId = nodes[i].Parent;
            if (parentId is null)
            {
                parent[i] = root;
            }
            else if (!index.TryGetValue(parentId, out parent[i]))
            {
                throw new ArgumentException($"Node '{nodes[i].Id}' names unknown parent '{parentId}'.", nameof(nodes));
            }

            children[parent[i]].Add(i);
        }

        return new GroupTree(index, parent, Depths(nodes, parent), children);
    }

    /// <summary>
    /// Where an edge between <paramref name="from"/> and <paramref name="to"/> is laid out: in the closest group
    /// holding both (or the top level), between the two members of that group that contain them. False when one end
    /// contains the other, which at any level would be a self-loop.
    /// </summary>
    public bool TryFindLevel(int from, int to, out int level, out int fromMember, out int toMember)
    {
        var (a, b) = (from, to);
        while (depth[a] > depth[b])
        {
            a = parent[a];
        }

        while (depth[b] > depth[a])
        {
            b = parent[b];
        }

        if (a == b)
        {
            (level, fromMember, toMember) = (-1, -1, -1);
            return false;
        }

        while (parent[a] != parent[b])
        {
            (a, b) = (parent[a], parent[b]);
        }

        (level, fromMember, toMember) = (parent[a], a, b);
        return true;
    }

    private static int[] Depths(IReadOnlyList<LayoutNode> nodes, int[] parent)
    {
        // -1: not known yet, -2: on the chain being walked (seeing it again means a group contains itself).
        var depth = new int[parent.Length];
        Array.Fill(depth, -1);
        var chain = new List<int>();
        for (var i = 0; i < parent.Length; i++)
        {
            chain.Clear();
            var v = i;
            while (v != parent.Length && depth[v] < 0)
            {
                if (depth[v] == -2)
                {
                    throw new ArgumentException($"Node '{nodes[v].Id}' is inside itself through its parents.", nameof(nodes));
                }

                depth[v] = -2;
                chain.Add(v);
                v = parent[v];
            }

            var known = v == parent.Length ? -1 : depth[v];
            for (var j = chain.Count - 1; j >= 0; j--)
            {
                depth[chain[j]] = ++known;
            }
        }

        return depth;
    }
}
