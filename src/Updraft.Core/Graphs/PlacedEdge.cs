namespace Updraft.Core.Graphs;

/// <summary>An edge after layout: a polyline in absolute coordinates, from <paramref name="From"/> to <paramref name="To"/>.</summary>
/// <param name="From">The source node's id.</param>
/// <param name="To">The target node's id.</param>
/// <param name="Points">
/// The polyline, first point on the source and last on the target. A forward edge leaves the middle of the source's
/// right side and enters the middle of the target's left side; a reversed one leaves the source's left side and enters
/// the target's right side. It bends where it passes a layer (twice: entering and leaving the layer's column, where it
/// runs level) and where it crosses the border of a group around either end; slanted segments only cross the gaps
/// between columns, so no segment passes through a box other than its ends and their groups.
/// </param>
/// <param name="IsReversed">
/// Whether the edge closes a cycle and so runs right to left (the layout reversed it to layer the graph).
/// </param>
public sealed record PlacedEdge(string From, string To, IReadOnlyList<Point> Points, bool IsReversed);
