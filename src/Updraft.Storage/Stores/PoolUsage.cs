namespace Updraft.Storage.Stores;

/// <summary>
/// A pool and the slots its task instances use now, by state (the sums of their <c>pool_slots</c>). As Airflow's pool:
/// running and queued ones occupy slots, deferred ones too when the pool includes deferred, scheduled ones do not.
/// </summary>
public sealed record PoolUsage(string Pool, int Slots, string? Description, bool IncludeDeferred, int Running, int Queued, int Scheduled, int Deferred)
{
    /// <summary>The slots taken: running and queued, and deferred when the pool includes deferred.</summary>
    public int Occupied => Running + Queued + (IncludeDeferred ? Deferred : 0);

    /// <summary>The slots free: the pool's slots less those occupied (negative when a pool was shrunk below its use).</summary>
    public int Open => Slots - Occupied;
}
