namespace Updraft.Core.Graphs;

/// <summary>A point in layout coordinates: x grows to the right, y grows downwards.</summary>
public readonly record struct Point(double X, double Y);
