namespace Updraft.Core.Graphs;

/// <summary>An input edge (node indices) and where it is laid out: the level and that level's edge index.</summary>
internal readonly record struct RoutedEdge(int From, int To, int Level, int LevelEdge);
