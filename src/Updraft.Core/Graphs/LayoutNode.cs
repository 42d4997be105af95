namespace Updraft.Core.Graphs;

/// <summary>
/// A box to lay out: a task, or a task group when another node names it as its <see cref="Parent"/>.
/// </summary>
/// <param name="Id">Unique among the nodes of one layout.</param>
/// <param name="Width">The box's width; for a group, the least width (the layout grows it to hold its members).</param>
/// <param name="Height">The box's height; for a group, the least height.</param>
/// <param name="Parent">The id of the enclosing group node, or null for a top-level node.</param>
public sealed record LayoutNode(string Id, double Width, double Height, string? Parent = null);
