using Dapper;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>A DAG callback to run: the run it is about and which one (<c>on_success_callback</c>, <c>on_failure_callback</c>).</summary>
public sealed record CallbackRequest(long Id, string DagId, string RunId, string Event, string Reason);

/// <summary>DAG callbacks the scheduler asks for when it ends a run; the DAG processor takes and runs them.</summary>
public sealed class CallbackRequestStore(MetadataDatabase database)
{
    public async Task AddAsync(string dagId, string runId, string @event, string reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO callback_request (dag_id, run_id, event, reason, created_at) VALUES (@dagId, @runId, @event, @reason, @at)",
            new { dagId, runId, @event, reason, at = Micros.From(now) });
    }

    /// <summary>Whether a request waits (one cheap query: the DAG processor asks every second).</summary>
    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>("SELECT id FROM callback_request LIMIT 1") is not null;
    }

    /// <summary>
    /// Removes and returns the oldest waiting request, or null: taken one at a time, so a processor that stops between
    /// two leaves the rest for the next; each is taken by one DAG processor.
    /// </summary>
    public async Task<CallbackRequest?> TakeOneAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (database.Dialect == Database.SqlDialect.MySql)
        {
            // No DELETE … RETURNING there: the oldest row is locked (others' locked rows skipped), read and deleted.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var oldest = (await connection.QueryAsync<(long Id, string DagId, string RunId, string Event, string Reason)>(
                "SELECT id, dag_id, run_id, event, reason FROM callback_request ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED", transaction: transaction)).ToList();
            foreach (var r in oldest)
            {
                await connection.ExecuteAsync("DELETE FROM callback_request WHERE id = @Id", new { r.Id }, transaction);
            }

            await transaction.CommitAsync(cancellationToken);
            return oldest.Select(r => new CallbackRequest(r.Id, r.DagId, r.RunId, r.Event, r.Reason)).FirstOrDefault();
        }

        var rows = await connection.QueryAsync<(long Id, string DagId, string RunId, string Event, string Reason)>(
            "DELETE FROM callback_request WHERE id = (SELECT MIN(id) FROM callback_request) RETURNING id, dag_id, run_id, event, reason");
        return rows.Select(r => new CallbackRequest(r.Id, r.DagId, r.RunId, r.Event, r.Reason)).FirstOrDefault();
    }
}
