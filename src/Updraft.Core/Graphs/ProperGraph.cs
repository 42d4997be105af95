namespace Updraft.Core.Graphs;

/// <summary>
/// A layered graph where every edge joins adjacent layers: an edge spanning several layers is split by dummy nodes,
/// one per layer it crosses, which become its bend points. Holds the current order of each layer.
/// </summary>
internal sealed class ProperGraph
{
    private readonly List<int> layerOf = [];
    private readonly List<double> sizes = [];
    private readonly List<List<int>> up = [];
    private readonly List<List<int>> down = [];

    private readonly bool[] isPoint;

    private ProperGraph(bool[] isPoint)
    {
        RealCount = isPoint.Length;
        this.isPoint = isPoint;
    }

    /// <summary>Nodes below this index are the graph's own; the rest are dummies.</summary>
    public int RealCount { get; }

    public int NodeCount => layerOf.Count;

    /// <summary>Each layer's nodes, top to bottom; the crossing minimiser reorders them in place.</summary>
    public int[][] Layers { get; private set; } = [];

    /// <summary>Each node's index within its layer, kept in step with <see cref="Layers"/>.</summary>
    public int[] Position { get; private set; } = [];

    /// <summary>For each edge given to <see cref="Build"/>, its dummies from the tail's side to the head's.</summary>
    public IReadOnlyList<int[]> Chains { get; private set; } = [];

    public bool IsDummy(int v) => v >= RealCount;

    /// <summary>Whether the node is a point an edge passes through (a dummy or a group's port), not a box.</summary>
    public bool IsPoint(int v) => v >= RealCount || isPoint[v];

    public int LayerOf(int v) => layerOf[v];

    /// <summary>The node's extent along its layer (its height, as layers are columns); zero for a dummy.</summary>
    public double Size(int v) => sizes[v];

    /// <summary>Neighbours in the layer before this node's.</summary>
    public IReadOnlyList<int> Up(int v) => up[v];

    /// <summary>Neighbours in the layer after this node's.</summary>
    public IReadOnlyList<int> Down(int v) => down[v];

    /// <param name="sizes">Each node's extent along its layer.</param>
    /// <param name="isPoint">Which nodes are points rather than boxes (spaced like edges).</param>
    /// <param name="layers">Each node's layer.</param>
    /// <param name="edges">Distinct edges, each from a lower layer to a higher one.</param>
    public static ProperGraph Build(double[] sizes, bool[] isPoint, int[] layers, IReadOnlyList<(int Tail, int Head)> edges)
    {
        var graph = new ProperGraph(isPoint);
        for (var v = 0; v < sizes.Length; v++)
        {
            graph.AddNode(layers[v], sizes[v]);
        }

        var chains = new int[edges.Count][];
        for (var e = 0; e < edges.Count; e++)
        {
            var (tail, head) = edges[e];
            var chain = new int[Math.Max(0, layers[head] - layers[tail] - 1)];
            var previous = tail;
            for (var i = 0; i < chain.Length; i++)
            {
                var dummy = graph.AddNode(layers[tail] + 1 + i, 0);
                chain[i] = dummy;
                graph.Link(previous, dummy);
                previous = dummy;
            }

            graph.Link(previous, head);
            chains[e] = chain;
        }

        graph.Chains = chains;
        graph.OrderDepthFirst();
        return graph;
    }

    /// <summary>Records a new order for every layer, as the minimiser's best ordering so far.</summary>
    public void SetOrder(int[][] layers)
    {
        for (var l = 0; l < layers.Length; l++)
        {
            Array.Copy(layers[l], Layers[l], layers[l].Length);
        }

        RefreshPositions();
    }

    /// <summary>Re-reads <see cref="Position"/> for one layer after its order changed.</summary>
    public void RefreshPositions(int layer)
    {
        var nodes = Layers[layer];
        for (var i = 0; i < nodes.Length; i++)
        {
            Position[nodes[i]] = i;
        }
    }

    private void RefreshPositions()
    {
        for (var l = 0; l < Layers.Length; l++)
        {
            RefreshPositions(l);
        }
    }

    private int AddNode(int layer, double size)
    {
        layerOf.Add(layer);
        sizes.Add(size);
        up.Add([]);
        down.Add([]);
        return layerOf.Count - 1;
    }

    private void Link(int tail, int head)
    {
        down[tail].Add(head);
        up[head].Add(tail);
    }

    // The initial order: a depth-first walk from the nodes of the first layers, appending each node to its layer when
    // first reached. Children of one node end up next to each other, so a tree or a set of chains starts without
    // crossings and the sweeps have little left to do.
    private void OrderDepthFirst()
    {
        var layerCount = NodeCount == 0 ? 0 : layerOf.Max() + 1;
        var byLayer = new List<int>[layerCount];
        for (var l = 0; l < layerCount; l++)
        {
            byLayer[l] = [];
        }

        var starts = new List<int>[layerCount];
        for (var l = 0; l < layerCount; l++)
        {
            starts[l] = [];
        }

        for (var v = 0; v < NodeCount; v++)
        {
            starts[layerOf[v]].Add(v);
        }

        var visited = new bool[NodeCount];
        var stack = new Stack<int>();
        foreach (var start in starts.SelectMany(s => s))
        {
            stack.Push(start);
            while (stack.Count > 0)
            {
                var v = stack.Pop();
                if (visited[v])
                {
                    continue;
                }

                visited[v] = true;
                byLayer[layerOf[v]].Add(v);
                for (var i = down[v].Count - 1; i >= 0; i--)
                {
                    if (!visited[down[v][i]])
                    {
                        stack.Push(down[v][i]);
                    }
                }
            }
        }

        Layers = [.. byLayer.Select(l => l.ToArray())];
        Position = new int[NodeCount];
        RefreshPositions();
    }
}
