namespace Updraft.Storage.Stores;

/// <summary>Identifies one task instance.</summary>
public sealed record TaskInstanceKey(string DagId, string RunId, string TaskId, int MapIndex = -1)
{
    public override string ToString() => $"{DagId}.{TaskId} run_id={RunId}{(MapIndex >= 0 ? $" map_index={MapIndex}" : "")}";
}
