namespace Updraft.Scheduling.Operations;

/// <summary>A run moved from one DAG version to another by a clear, with the tasks that became removed.</summary>
public sealed record RunMove(string RunId, int FromVersion, int ToVersion, IReadOnlyList<string> Removed);
