using Updraft.Core.States;

namespace Updraft.Storage.Stores;

/// <summary>
/// How one try ends: its state (success, failed, skipped, or up_for_retry with <see cref="NextRetryAt"/>), and for a
/// success of a task with outlets, the extra data of each outlet's asset event (by asset name), recorded with the end.
/// </summary>
public sealed record TryEnd(TaskInstanceKey Key, int TryNumber, TaskInstanceState State, DateTimeOffset? NextRetryAt = null)
{
    public IReadOnlyDictionary<string, System.Text.Json.Nodes.JsonObject>? OutletEvents { get; init; }

    /// <summary>For a success of a task with outlet aliases: the assets it added to them, each recorded with its event.</summary>
    public IReadOnlyList<AliasAssetEvent>? AliasEvents { get; init; }
}
