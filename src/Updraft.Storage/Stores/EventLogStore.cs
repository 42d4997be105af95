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

    /// <summary>One page of the event log, newest first unless <paramref name="page"/> orders it otherwise, with the count of all matches.</summary>
    public async Task<Queries.Page<EventLogEntry>> QueryAsync(
        IReadOnlyCollection<string>? dagIds,
        string? eventName,
        string? owner,
        Queries.PageRequest page,
        long? id = null,
        CancellationToken cancellationToken = default)
    {
        var sql = new Queries.ListSql("log", Sortable, "id DESC", "id").In("dag_id", dagIds);
        if (id is not null)
        {
            sql.Where("id = @value", id);
        }

        if (eventName is not null)
        {
            sql.Where("event = @value", eventName);
        }

        if (owner is not null)
        {
            sql.Where("owner = @value", owner);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<EventLogEntry>(
            connection,
            "SELECT id AS Id, dttm AS Dttm, event AS Event, dag_id AS DagId, task_id AS TaskId, run_id AS RunId, owner AS Owner, extra AS Extra",
            page);
    }

    private static readonly Dictionary<string, string> Sortable = new(StringComparer.Ordinal)
    {
        ["id"] = "id",
        ["event_log_id"] = "id",
        ["when"] = "dttm",
        ["dttm"] = "dttm",
        ["event"] = "event",
        ["dag_id"] = "dag_id",
        ["task_id"] = "task_id",
        ["run_id"] = "run_id",
        ["owner"] = "owner",
    };
}
