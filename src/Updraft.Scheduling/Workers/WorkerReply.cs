namespace Updraft.Scheduling.Workers;

/// <summary>
/// One line a worker writes back: the state it recorded, whether it is exiting (it is unfit to go on), and the DAGs
/// it has loaded, so the executor can send it more tasks of those DAGs.
/// </summary>
public sealed record WorkerReply(string State, bool Exiting, string? Error = null)
{
    public IReadOnlyCollection<string> LoadedDagIds { get; init; } = [];
}
