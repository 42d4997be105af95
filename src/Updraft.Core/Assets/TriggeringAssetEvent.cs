using System.Text.Json.Nodes;

namespace Updraft.Core.Assets;

/// <summary>An asset event that started a run: which asset, its extra data, when, and the task instance that produced it (none when posted from outside).</summary>
public sealed record TriggeringAssetEvent(string AssetName, string Uri, JsonObject Extra, DateTimeOffset Timestamp)
{
    public string? SourceDagId { get; init; }

    public string? SourceTaskId { get; init; }

    public string? SourceRunId { get; init; }

    public int SourceMapIndex { get; init; } = -1;
}
