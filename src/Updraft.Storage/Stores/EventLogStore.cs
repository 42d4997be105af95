using Dapper;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>The audit trail: who did what to which DAG, run or task, and when (Airflow's <c>log</c> table).</summary>
public sealed class EventLogStore(MetadataDatabase database, TimeProvider timeProvider)
{
    public async Task AddAsync(string eventName, string? owner, string? dagId = null, string? taskId = null, string? runId = null, string? extra = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO log (dttm, event, dag_id, task_id, run_id, owner, extra) VALUES (@At, @eventName, @dagId, @taskId, @runId, @owner, @extra)",
            new { At = Micros.From(timeProvider.GetUtcNow()), eventName, dagId, taskId, runId, owner, extra });
    }

    public async Task<IReadOnlyList<(long At, string Event, string? DagId, string? RunId, string? Owner, string? Extra)>> ListAsync(string? dagId = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(long, string, string?, string?, string?, string?)>(
            $"SELECT dttm, event, dag_id, run_id, owner, extra FROM log{(dagId is null ? "" : " WHERE dag_id = @dagId")} ORDER BY id DESC LIMIT @limit",
            new { dagId, limit })).ToList();
    }
}
