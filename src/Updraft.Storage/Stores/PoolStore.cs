using Dapper;
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

    /// <summary>Creates or updates a pool.</summary>
    public async Task SetAsync(string pool, int slots, string? description, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO slot_pool (pool, slots, description) VALUES (@pool, @slots, @description) ON CONFLICT (pool) DO UPDATE SET slots = excluded.slots, description = excluded.description",
            new { pool, slots, description });
    }
}
