using Updraft.Core.States;

namespace Updraft.Storage.Stores;

/// <summary>A move of one task instance from <see cref="From"/> to <see cref="To"/>, applied only if the row is still in <see cref="From"/>.</summary>
public sealed record TaskInstanceChange(TaskInstanceKey Key, TaskInstanceState From, TaskInstanceState To);
