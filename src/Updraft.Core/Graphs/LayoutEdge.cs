namespace Updraft.Core.Graphs;

/// <summary>A dependency drawn from <paramref name="From"/> to <paramref name="To"/> (node ids).</summary>
public sealed record LayoutEdge(string From, string To);
