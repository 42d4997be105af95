using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Executors;

/// <summary>A try that ended. When <see cref="Lost"/>, the task's process died or was killed before recording a state.</summary>
public sealed record ExecutorEvent(TaskInstanceKey Key, int TryNumber, bool Lost, string? Reason);
