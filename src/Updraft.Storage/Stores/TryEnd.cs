using Updraft.Core.States;

namespace Updraft.Storage.Stores;

/// <summary>How one try ends: its state (success, failed, skipped, or up_for_retry with <see cref="NextRetryAt"/>).</summary>
public sealed record TryEnd(TaskInstanceKey Key, int TryNumber, TaskInstanceState State, DateTimeOffset? NextRetryAt = null);
