using Dapper;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>Pools: named numbers of slots that bound how many task instances using them run at once.</summary>
public sealed class PoolStore(MetadataDatabase database)
{
    public async Task<Dictionary<string, int>> SlotsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string Pool, int Slots)>("SELECT pool, slots FROM slot_pool"))
            .ToDictionary(p => p.Pool, p => p.Slots, StringComparer.Ordinal);
    }

    /// <summary>
    /// Pools with their slots, whether deferred task instances take slots, and how many slots running, queued,
    /// scheduled and deferred task instances use now.
    /// </summary>
    public async Task<IReadOnlyList<PoolUsage>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string Pool, int Slots, string? Description, int IncludeDeferred, int Running, int Queued, int Scheduled, int Deferred)>(
            $"""
            SELECT p.pool, p.slots, p.description, p.include_deferred,
                   coalesce(sum(CASE WHEN ti.state = {StateSql.Of(TaskInstanceState.Running)} THEN ti.pool_slots ELSE 0 END), 0),
                   coalesce(sum(CASE WHEN ti.state = {StateSql.Of(TaskInstanceState.Queued)} THEN ti.pool_slots ELSE 0 END), 0),
                   coalesce(sum(CASE WHEN ti.state = {StateSql.Of(TaskInstanceState.Scheduled)} THEN ti.pool_slots ELSE 0 END), 0),
                   coalesce(sum(CASE WHEN ti.state = {StateSql.Of(TaskInstanceState.Deferred)} THEN ti.pool_slots ELSE 0 END), 0)
            FROM slot_pool p LEFT JOIN task_instance ti ON ti.pool = p.pool AND ti.state IN ({StateSql.List(UsageStates)})
            GROUP BY p.pool, p.slots, p.description, p.include_deferred ORDER BY p.pool
            """)).Select(p => new PoolUsage(p.Pool, p.Slots, p.Description, p.IncludeDeferred != 0, p.Running, p.Queued, p.Scheduled, p.Deferred)).ToList();
    }

    private static readonly TaskInstanceState[] UsageStates = [TaskInstanceState.Running, TaskInstanceState.Queued, TaskInstanceState.Scheduled, TaskInstanceState.Deferred];

    /// <summary>Deletes a pool; the default pool cannot be deleted. Returns false when there is no such pool.</summary>
    public async Task<bool> DeleteAsync(string pool, CancellationToken cancellationToken = default)
    {
        if (pool == DefaultPool)
        {
            throw new ArgumentException("The default pool (default_pool) cannot be deleted.");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM slot_pool WHERE pool = @pool", new { pool }) > 0;
    }

    public const string DefaultPool = "default_pool";

    /// <summary>Creates or updates a pool; <paramref name="includeDeferred"/>: its deferred task instances take slots.</summary>
    public Task SetAsync(string pool, int slots, string? description, bool includeDeferred = false, CancellationToken cancellationToken = default) =>
        ImportAsync([new PoolSpec(pool, slots, description, includeDeferred)], cancellationToken);

    /// <summary>
    /// Creates or updates several pools in one transaction: every entry is checked first, and either all are
    /// written or none (an <see cref="ArgumentException"/> names the first bad entry).
    /// </summary>
    public async Task ImportAsync(IReadOnlyList<PoolSpec> pools, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pools);
        foreach (var pool in pools)
        {
            Check(pool);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO slot_pool (pool, slots, description, include_deferred) VALUES (@Pool, @Slots, @Description, @IncludeDeferred)"
                + database.Overwrite("pool", "slots", "description", "include_deferred"),
            pools.Select(p => new { p.Pool, p.Slots, p.Description, IncludeDeferred = p.IncludeDeferred ? 1 : 0 }),
            transaction);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Throws an <see cref="ArgumentException"/> when a pool's name or slots are not allowed.</summary>
    public static void Check(PoolSpec pool)
    {
        ArgumentNullException.ThrowIfNull(pool);
        Names.Pool(pool.Pool);
        if (pool.Slots < 0)
        {
            throw new ArgumentException($"A pool's slots must be 0 or more, got {pool.Slots}.");
        }
    }
}
