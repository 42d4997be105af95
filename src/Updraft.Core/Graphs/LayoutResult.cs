namespace Updraft.Core.Graphs;

/// <summary>The output of <see cref="LayeredLayout.Compute"/>.</summary>
/// <param name="Nodes">Every input node, in input order.</param>
/// <param name="Edges">
/// Every distinct input edge, in input order of first appearance; self-loops and edges between a group and one of its
/// own members are left out.
/// </param>
/// <param name="Width">The drawing's width; every box and point lies in [0, Width].</param>
/// <param name="Height">The drawing's height; every box and point lies in [0, Height].</param>
/// <param name="Crossings">
/// Edge crossings of the chosen orderings, counted exactly between adjacent layers of each level (the top level and
/// every group's content) and summed over the levels. An edge between groups counts at the level of the closest
/// group holding both ends, between the two members that contain them, and inside each group it crosses, on its way
/// between the member and the group's border. Crossings between segments of different levels (an edge passing over
/// a group while another runs inside it) are not counted, as they are not crossings of any one level's drawing.
/// </param>
public sealed record LayoutResult(IReadOnlyList<PlacedNode> Nodes, IReadOnlyList<PlacedEdge> Edges, double Width, double Height, int Crossings);
