using Dapper;
using Updraft.Core.Runtime;
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

    /// <summary>Pools with their slots and how many slots running and queued task instances use now.</summary>
    public async Task<IReadOnlyList<(string Pool, int Slots, string? Description, int Running, int Queued)>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, int, string?, int, int)>(
            """
            SELECT p.pool, p.slots, p.description,
                   coalesce(sum(CASE WHEN ti.state = 'running' THEN ti.pool_slots ELSE 0 END), 0),
                   coalesce(sum(CASE WHEN ti.state = 'queued' THEN ti.pool_slots ELSE 0 END), 0)
            FROM slot_pool p LEFT JOIN task_instance ti ON ti.pool = p.pool AND ti.state IN ('running', 'queued')
            GROUP BY p.pool, p.slots, p.description ORDER BY p.pool
            """)).ToList();
    }

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

    /// <summary>Creates or updates a pool.</summary>
    public Task SetAsync(string pool, int slots, string? description, CancellationToken cancellationToken = default) =>
        ImportAsync([new PoolSpec(pool, slots, description)], cancellationToken);

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
            "INSERT INTO slot_pool (pool, slots, description) VALUES (@Pool, @Slots, @Description)" + database.Overwrite("pool", "slots", "description"),
            pools,
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
