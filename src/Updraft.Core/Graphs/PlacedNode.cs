namespace Updraft.Core.Graphs;

/// <summary>A node's box after layout, in absolute coordinates.</summary>
/// <param name="Id">The node's id.</param>
/// <param name="X">The left edge.</param>
/// <param name="Y">The top edge.</param>
/// <param name="Width">The box's width (for a group, its members plus padding).</param>
/// <param name="Height">The box's height (for a group, its members plus padding and header).</param>
/// <param name="Layer">The node's column among its siblings: the layer within its group's content, or the top level's.</param>
/// <param name="IsGroup">Whether other nodes name this one as their parent.</param>
public sealed record PlacedNode(string Id, double X, double Y, double Width, double Height, int Layer, bool IsGroup);
