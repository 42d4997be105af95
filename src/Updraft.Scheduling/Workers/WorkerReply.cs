namespace Updraft.Scheduling.Workers;

/// <summary>One line a worker writes back: the state it recorded, and whether it is exiting (it is unfit to go on).</summary>
public sealed record WorkerReply(string State, bool Exiting, string? Error = null);
