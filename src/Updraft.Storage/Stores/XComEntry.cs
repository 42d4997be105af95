namespace Updraft.Storage.Stores;

/// <summary>An XCom row as the REST API lists it: its key, when it was written, and its run's logical date.</summary>
public sealed record XComEntry
{
    public string DagId { get; init; } = "";

    public string RunId { get; init; } = "";

    public string TaskId { get; init; } = "";

    public int MapIndex { get; init; }

    public string Key { get; init; } = "";

    public long Timestamp { get; init; }

    public long? LogicalDate { get; init; }

    /// <summary>The value as JSON text.</summary>
    public string Value { get; init; } = "null";
}
