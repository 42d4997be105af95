namespace Updraft.Core.Serialization;

/// <summary>A task group as stored in a serialized DAG: what the UI needs to draw and collapse it.</summary>
public sealed record SerializedTaskGroup
{
    public required string GroupId { get; init; }

    /// <summary>The enclosing group's id, or null at the DAG's top level.</summary>
    public string? ParentGroupId { get; init; }

    public string? Tooltip { get; init; }

    public string? DocMd { get; init; }

    public bool PrefixGroupId { get; init; } = true;

    /// <summary>The ids of the tasks directly in the group.</summary>
    public IReadOnlyList<string> TaskIds { get; init; } = [];

    /// <summary>True for a mapped task group (its tasks expand per element of its input); null otherwise.</summary>
    public bool? IsMapped { get; init; }

    /// <summary>The ids of the groups directly in the group.</summary>
    public IReadOnlyList<string> ChildGroupIds { get; init; } = [];

    public int Line { get; init; }
}
