using System.Text.Json.Nodes;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>A stored asset.</summary>
public sealed record AssetRecord
{
    public long Id { get; init; }

    public string Name { get; init; } = "";

    public string Uri { get; init; } = "";

    public string AssetGroup { get; init; } = Core.Assets.Asset.DefaultGroup;

    public string Extra { get; init; } = "{}";

    public long CreatedAtMicros { get; init; }

    public long UpdatedAtMicros { get; init; }

    public DateTimeOffset CreatedAt => Micros.To(CreatedAtMicros);

    public DateTimeOffset UpdatedAt => Micros.To(UpdatedAtMicros);
}

/// <summary>A stored asset event, with its asset's name, URI and group.</summary>
public sealed record AssetEventRecord
{
    public long Id { get; init; }

    public long AssetId { get; init; }

    public string Name { get; init; } = "";

    public string Uri { get; init; } = "";

    public string AssetGroup { get; init; } = Core.Assets.Asset.DefaultGroup;

    public string Extra { get; init; } = "{}";

    public string? SourceDagId { get; init; }

    public string? SourceTaskId { get; init; }

    public string? SourceRunId { get; init; }

    public int SourceMapIndex { get; init; } = -1;

    public long TimestampMicros { get; init; }

    public DateTimeOffset Timestamp => Micros.To(TimestampMicros);

    public JsonObject ExtraJson => JsonNode.Parse(Extra) as JsonObject ?? [];
}

/// <summary>The task instance an event came from.</summary>
public sealed record AssetEventSource(string DagId, string RunId, string TaskId, int MapIndex);

/// <summary>A DAG's queue: the assets updated since it last ran on them, and when the latest was queued.</summary>
public sealed record QueuedAssets(string DagId, IReadOnlySet<string> AssetNames, DateTimeOffset LatestAt)
{
    /// <summary>The aliases the DAG is scheduled on that one of the queued assets joined.</summary>
    public IReadOnlySet<string> AliasNames { get; init; } = new HashSet<string>();
}

/// <summary>An asset updated since a DAG scheduled on it last ran on it: a row of the queue of asset-triggered runs.</summary>
public sealed record QueuedAssetEvent(string DagId, long AssetId, DateTimeOffset CreatedAt);

/// <summary>A stored asset alias.</summary>
public sealed record AssetAliasRecord
{
    public long Id { get; init; }

    public string Name { get; init; } = "";

    public string AliasGroup { get; init; } = Core.Assets.Asset.DefaultGroup;
}

/// <summary>An asset a task added to one of its outlet aliases, with the extra data of its event.</summary>
public sealed record AliasAssetEvent(string Alias, Core.Serialization.SerializedAsset Asset, System.Text.Json.Nodes.JsonObject Extra)
{
    /// <summary>The alias's group as the task declares it (used when the alias is new).</summary>
    public string AliasGroup { get; init; } = Core.Assets.Asset.DefaultGroup;
}

/// <summary>A DAG scheduled on an asset (no task), or a task updating it.</summary>
public sealed record AssetDagReference(long AssetId, string DagId, string? TaskId, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);

/// <summary>What points at assets: DAGs scheduled on them, tasks updating them, and each one's latest event (id, time).</summary>
public sealed record AssetRelations(
    IReadOnlyList<AssetDagReference> Scheduled,
    IReadOnlyList<AssetDagReference> Producing,
    IReadOnlyDictionary<long, (long Id, DateTimeOffset Timestamp)> LatestEvents);

/// <summary>Filters of the asset list.</summary>
public sealed record AssetQuery(PageRequest Page)
{
    public string? NamePattern { get; init; }

    public string? UriPattern { get; init; }

    public IReadOnlyCollection<string>? DagIds { get; init; }

    public bool OnlyActive { get; init; } = true;
}

/// <summary>Filters of the asset event list.</summary>
public sealed record AssetEventQuery(PageRequest Page)
{
    public long? AssetId { get; init; }

    public string? SourceDagId { get; init; }

    public string? SourceTaskId { get; init; }

    public string? SourceRunId { get; init; }

    public int? SourceMapIndex { get; init; }

    public DateTimeOffset? TimestampGte { get; init; }

    public DateTimeOffset? TimestampLte { get; init; }

    /// <summary>Only the events that run (by its database id) consumed.</summary>
    public long? ConsumedByRunId { get; init; }
}
