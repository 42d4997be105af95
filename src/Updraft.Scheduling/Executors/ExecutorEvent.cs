using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Executors;

/// <summary>
/// A try that ended. When <see cref="Lost"/>, the task's process died or was killed before recording a state; when
/// <see cref="Recorded"/> is false, it ended without recording one (it was not queued any more, or was refused).
/// </summary>
public sealed record ExecutorEvent(TaskInstanceKey Key, int TryNumber, bool Lost, string? Reason, bool Recorded = true);
