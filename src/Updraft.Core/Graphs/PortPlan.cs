namespace Updraft.Core.Graphs;

/// <summary>A level's layers once its ports are added, and the port nodes and edges (indices after the members').</summary>
/// <param name="Layers">The layer of every member, then of every port.</param>
/// <param name="Edges">The edges joining ports to their members, in layout direction.</param>
/// <param name="Entries">Entry ports: the member, the port node, and the index of its edge in <paramref name="Edges"/>.</param>
/// <param name="Exits">Exit ports, likewise.</param>
internal sealed record PortPlan(
    int[] Layers,
    IReadOnlyList<(int Tail, int Head)> Edges,
    IReadOnlyList<(int Member, int Node, int Chain)> Entries,
    IReadOnlyList<(int Member, int Node, int Chain)> Exits);
