namespace Updraft.Core.Graphs;

/// <summary>How one edge of a level (a group's content, or the top level) was laid out.</summary>
/// <param name="Reversed">Whether the layout reversed the edge to break a cycle.</param>
/// <param name="Tail">The level-local node the edge leaves in layout direction (its target when reversed).</param>
/// <param name="Head">The level-local node the edge enters in layout direction.</param>
/// <param name="Bends">
/// The bend points in layout direction, relative to the level's origin: for each layer the edge passes, where it
/// enters and leaves that layer's column.
/// </param>
internal sealed record LevelRoute(bool Reversed, int Tail, int Head, IReadOnlyList<Point> Bends);
