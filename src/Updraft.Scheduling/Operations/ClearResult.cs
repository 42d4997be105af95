using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Operations;

/// <summary>
/// What a clear selected, which runs it moved to another DAG version (with the tasks that became removed), and which
/// task instances it cleared (fewer than selected when some were queued or running and are left as they are; none on a dry run).
/// </summary>
public sealed record ClearResult(
    IReadOnlyList<TaskInstanceKey> Selected,
    IReadOnlyList<RunMove> Moved,
    IReadOnlyList<TaskInstanceKey> Cleared)
{
    /// <summary>The version the runs move to, when <see cref="Moved"/> is not empty.</summary>
    public int? ToVersion { get; init; }
}
