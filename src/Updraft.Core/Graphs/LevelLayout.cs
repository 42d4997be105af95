namespace Updraft.Core.Graphs;

/// <summary>The layout of one level's nodes, relative to the level's origin (the top-left of its content).</summary>
/// <param name="X">Each node's left edge.</param>
/// <param name="Y">Each node's top edge.</param>
/// <param name="Layer">Each node's layer, the first being 0.</param>
/// <param name="Column">Each node's column: its layer, plus one when the level has a column of entry ports.</param>
/// <param name="ColumnLeft">Each column's left edge (its widest node's).</param>
/// <param name="ColumnRight">Each column's right edge.</param>
/// <param name="Routes">Each edge's route, in the order the edges were given.</param>
/// <param name="ExitPorts">By member, the port its edges leave the group through; none when it borders the exit side.</param>
/// <param name="EntryPorts">By member, the port its edges enter the group through; none when it borders the entry side.</param>
/// <param name="Width">The content's width.</param>
/// <param name="Height">The content's height.</param>
/// <param name="Crossings">Crossings between adjacent layers in the chosen order.</param>
internal sealed record LevelLayout(
    double[] X,
    double[] Y,
    int[] Layer,
    int[] Column,
    double[] ColumnLeft,
    double[] ColumnRight,
    IReadOnlyList<LevelRoute> Routes,
    IReadOnlyDictionary<int, PortRoute> ExitPorts,
    IReadOnlyDictionary<int, PortRoute> EntryPorts,
    double Width,
    double Height,
    long Crossings);
