namespace Updraft.Core.Graphs;

/// <summary>Absolute positions of every node, and the origin of every level's content.</summary>
internal sealed class Placement(int nodeCount)
{
    public double[] X { get; } = new double[nodeCount];

    public double[] Y { get; } = new double[nodeCount];

    public int[] Layer { get; } = new int[nodeCount];

    /// <summary>Indexed like levels: a group's content origin, and the top level's (0, 0) at the root's index.</summary>
    public Point[] Origins { get; } = new Point[nodeCount + 1];
}
