namespace Updraft.Storage.Stores;

/// <summary>
/// What holds capacity now (queued and running task instances) and the candidates, read under the admission lock,
/// so no other scheduler admits anything between this read and the queueing it leads to.
/// </summary>
public sealed record AdmissionSnapshot(
    IReadOnlyList<AdmissionCandidate> Candidates,
    int ActiveTotal,
    IReadOnlyDictionary<string, int> ActivePerDag,
    IReadOnlyDictionary<(string DagId, string TaskId), int> ActivePerTask,
    IReadOnlyDictionary<string, int> PoolSlotsUsed,
    IReadOnlyDictionary<string, int> PoolSlots);
