using Updraft.Core.States;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// One line a worker writes back: the state it recorded for the try (null when it recorded none: the try was not
/// queued, or its result was refused because the try no longer owned its task instance), whether it is exiting
/// (it is unfit to go on), and the DAGs it has loaded, so the executor can send it more tasks of those DAGs.
/// </summary>
public sealed record WorkerReply(TaskInstanceState? State, bool Exiting, string? Error = null)
{
    public IReadOnlyCollection<string> LoadedDagIds { get; init; } = [];
}
