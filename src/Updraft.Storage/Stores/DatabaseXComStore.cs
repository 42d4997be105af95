using Dapper;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>
/// XCom values in the metadata database. Given the try that writes (<paramref name="writerTry"/>), a write lands only
/// while that try still owns its running task instance, in the same statement; otherwise it is refused with
/// <see cref="TryNotOwnedException"/>.
/// </summary>
public sealed class DatabaseXComStore(MetadataDatabase database, TimeProvider timeProvider, int? writerTry = null) : IXComStore
{
    private string Upsert => database.Overwrite("dag_id, run_id, task_id, map_index, \"key\"", "value", "timestamp");

    public async Task SetAsync(XComKey key, string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        var parameters = new { key.DagId, key.RunId, key.TaskId, key.MapIndex, key.Key, json, At = Micros.From(timeProvider.GetUtcNow()), writerTry };
        if (writerTry is null)
        {
            await connection.ExecuteAsync(
                """
                INSERT INTO xcom (dag_id, run_id, task_id, map_index, "key", value, timestamp) VALUES (@DagId, @RunId, @TaskId, @MapIndex, @Key, @json, @At)
                """ + Upsert,
                parameters);
            return;
        }

        var written = await connection.ExecuteAsync(
            $"""
            INSERT INTO xcom (dag_id, run_id, task_id, map_index, "key", value, timestamp)
            SELECT dag_id, run_id, task_id, map_index, @Key, @json, @At FROM task_instance
            WHERE {TaskInstanceStore.KeyMatch} AND try_number = @writerTry AND state = {StateSql.Of(TaskInstanceState.Running)}
            {Upsert}
            """,
            parameters);
        if (written == 0)
        {
            throw new TryNotOwnedException(
                $"XCom '{key.Key}' of {key.DagId}.{key.TaskId} run_id={key.RunId} was refused: try {writerTry} no longer owns the task instance.");
        }
    }

    public async Task<string?> GetAsync(XComKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<string>(
            "SELECT value FROM xcom WHERE dag_id = @DagId AND run_id = @RunId AND task_id = @TaskId AND map_index = @MapIndex AND \"key\" = @Key", key);
    }

    public async Task<IReadOnlyList<string>> GetMappedAsync(string dagId, string runId, string taskId, string key, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<string>(
            "SELECT value FROM xcom WHERE dag_id = @dagId AND run_id = @runId AND task_id = @taskId AND map_index >= 0 AND \"key\" = @key ORDER BY map_index",
            new { dagId, runId, taskId, key })];
    }

    /// <summary>How many mapped instances of <paramref name="taskId"/> stored a return value: the length of its collected results.</summary>
    public async Task<int> CountMappedAsync(string dagId, string runId, string taskId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<int>(
            "SELECT COUNT(*) FROM xcom WHERE dag_id = @dagId AND run_id = @runId AND task_id = @taskId AND map_index >= 0 AND \"key\" = @key",
            new { dagId, runId, taskId, key = XComKey.ReturnValue });
    }

    /// <summary>Removes the XComs of one task instance, before it runs again.</summary>
    public async Task ClearAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "DELETE FROM xcom WHERE dag_id = @dagId AND run_id = @runId AND task_id = @taskId AND map_index = @mapIndex", new { dagId, runId, taskId, mapIndex });
    }

    /// <summary>One page of XCom entries; every filter left null matches all.</summary>
    public async Task<Queries.Page<XComEntry>> QueryAsync(
        IReadOnlyCollection<string>? dagIds,
        string? runId,
        string? taskId,
        int? mapIndex,
        string? key,
        Queries.PageRequest page,
        CancellationToken cancellationToken = default)
    {
        var sql = new Queries.ListSql("xcom x LEFT JOIN dag_run r ON r.dag_id = x.dag_id AND r.run_id = x.run_id", Sortable, "x.dag_id, x.run_id, x.task_id, x.map_index, x.\"key\"", "x.dag_id, x.run_id, x.task_id, x.map_index, x.\"key\"")
            .In("x.dag_id", dagIds);
        if (runId is not null)
        {
            sql.Where("x.run_id = @value", runId);
        }

        if (taskId is not null)
        {
            sql.Where("x.task_id = @value", taskId);
        }

        if (mapIndex is not null)
        {
            sql.Where("x.map_index = @value", mapIndex);
        }

        if (key is not null)
        {
            sql.Where("x.\"key\" = @value", key);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<XComEntry>(
            connection,
            "SELECT x.dag_id AS DagId, x.run_id AS RunId, x.task_id AS TaskId, x.map_index AS MapIndex, x.\"key\" AS Key, x.timestamp AS Timestamp, r.logical_date AS LogicalDate, x.value AS Value",
            page);
    }

    /// <summary>Creates an XCom entry by hand (the REST API); false when one with that key exists.</summary>
    public async Task<bool> CreateAsync(XComKey key, string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await database.InsertUnlessExistsAsync(
            connection,
            "INSERT INTO xcom (dag_id, run_id, task_id, map_index, \"key\", value, timestamp) VALUES (@DagId, @RunId, @TaskId, @MapIndex, @Key, @json, @At)",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, key.Key, json, At = Micros.From(timeProvider.GetUtcNow()) }) > 0;
    }

    /// <summary>Replaces an existing XCom entry's value (the REST API); false when there is none.</summary>
    public async Task<bool> UpdateAsync(XComKey key, string json, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE xcom SET value = @json, timestamp = @At WHERE dag_id = @DagId AND run_id = @RunId AND task_id = @TaskId AND map_index = @MapIndex AND \"key\" = @Key",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, key.Key, json, At = Micros.From(timeProvider.GetUtcNow()) }) > 0;
    }

    private static readonly Dictionary<string, string> Sortable = new(StringComparer.Ordinal)
    {
        ["key"] = "x.\"key\"",
        ["dag_id"] = "x.dag_id",
        ["run_id"] = "x.run_id",
        ["task_id"] = "x.task_id",
        ["map_index"] = "x.map_index",
        ["timestamp"] = "x.timestamp",
    };
}
