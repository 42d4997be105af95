namespace Updraft.Core.Graphs;

/// <summary>Finds the edges to reverse so that a directed graph becomes acyclic.</summary>
internal static class CycleBreaker
{
    /// <summary>
    /// Marks the back edges of a depth-first search: reversing them leaves no cycle. The search starts from the
    /// sources in node order, then from any node still unvisited (a cycle with no source leading in), and follows
    /// edges in input order, so the same graph always loses the same edges.
    /// </summary>
    public static bool[] FindBackEdges(int nodeCount, IReadOnlyList<(int From, int To)> edges)
    {
        var outgoing = new List<int>?[nodeCount];
        var inDegree = new int[nodeCount];
        for (var e = 0; e < edges.Count; e++)
        {
            (outgoing[edges[e].From] ??= []).Add(e);
            inDegree[edges[e].To]++;
        }

        var reversed = new bool[edges.Count];
        // 0: not seen, 1: on the search path, 2: finished.
        var state = new byte[nodeCount];
        var stack = new Stack<(int Node, int Next)>();

        void Search(int root)
        {
            state[root] = 1;
            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                var (node, next) = stack.Pop();
                var edgesOut = outgoing[node];
                if (edgesOut is null || next >= edgesOut.Count)
                {
                    state[node] = 2;
                    continue;
                }

                stack.Push((node, next + 1));
                var edge = edgesOut[next];
                var target = edges[edge].To;
                if (state[target] == 1)
                {
                    reversed[edge] = true;
                }
                else if (state[target] == 0)
                {
                    state[target] = 1;
                    stack.Push((target, 0));
                }
            }
        }

        for (var v = 0; v < nodeCount; v++)
        {
            if (inDegree[v] == 0 && state[v] == 0)
            {
                Search(v);
            }
        }

        for (var v = 0; v < nodeCount; v++)
        {
            if (state[v] == 0)
            {
                Search(v);
            }
        }

        return reversed;
    }
}
