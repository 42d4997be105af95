namespace Updraft.Core.Graphs;

/// <summary>
/// Where an edge crosses a group's border on its way to or from a member placed away from that border: a port in
/// an extra first (entry) or last (exit) column of the group's content, reached from the member through the layers
/// in between like any long edge.
/// </summary>
/// <param name="Port">The port, relative to the level's origin.</param>
/// <param name="Bends">The bends between the member and the port in layout direction (member first for an exit).</param>
internal sealed record PortRoute(Point Port, IReadOnlyList<Point> Bends);
