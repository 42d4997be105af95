using Dapper;
using Updraft.Core.Runtime;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>XCom values in the metadata database.</summary>
public sealed class DatabaseXComStore(MetadataDatabase database, TimeProvider timeProvider) : IXComStore
{
    public async Task SetAsync(XComKey key, string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            """
            INSERT INTO xcom (dag_id, run_id, task_id, map_index, key, value, timestamp) VALUES (@DagId, @RunId, @TaskId, @MapIndex, @Key, @json, @At)
            ON CONFLICT (dag_id, run_id, task_id, map_index, key) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp
            """,
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, key.Key, json, At = Micros.From(timeProvider.GetUtcNow()) });
    }

    public async Task<string?> GetAsync(XComKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(
            "SELECT value FROM xcom WHERE dag_id = @DagId AND run_id = @RunId AND task_id = @TaskId AND map_index = @MapIndex AND key = @Key", key);
    }

    /// <summary>Removes the XComs of one task instance, before it runs again.</summary>
    public async Task ClearAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "DELETE FROM xcom WHERE dag_id = @dagId AND run_id = @runId AND task_id = @taskId AND map_index = @mapIndex", new { dagId, runId, taskId, mapIndex });
    }
}
