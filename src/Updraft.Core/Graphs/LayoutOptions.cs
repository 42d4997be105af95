namespace Updraft.Core.Graphs;

/// <summary>Spacing and effort of <see cref="LayeredLayout"/>; every distance is in the caller's units (pixels in the web UI).</summary>
public sealed record LayoutOptions
{
    /// <summary>Horizontal space between two layers (columns), where edges bend.</summary>
    public double LayerGap { get; init; } = 60;

    /// <summary>Vertical space between two boxes of one layer, and between a box and an edge passing it.</summary>
    public double NodeGap { get; init; } = 16;

    /// <summary>Vertical space between two edges passing through one layer.</summary>
    public double EdgeGap { get; init; } = 8;

    /// <summary>Space between a group's border and its members, on every side.</summary>
    public double GroupPadding { get; init; } = 16;

    /// <summary>Extra space at the top of a group, for its label.</summary>
    public double GroupHeader { get; init; } = 22;

    /// <summary>
    /// The most crossing-reduction sweeps (alternately down and up the layers) per graph level; reduction stops earlier
    /// once sweeps stop finding a better ordering. Zero keeps the initial (depth-first) ordering.
    /// </summary>
    public int CrossingSweeps { get; init; } = 24;
}
