namespace Updraft.Execution.Api;

/// <summary>One try of one task instance: what every execution API call is about, and what its token is issued for.</summary>
public sealed record TryIdentity(string DagId, string RunId, string TaskId, int MapIndex, int TryNumber)
{
    public override string ToString() => $"{DagId}.{TaskId} run_id={RunId}{(MapIndex >= 0 ? $" map_index={MapIndex}" : "")} try {TryNumber}";
}
