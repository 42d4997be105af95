using Dapper;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>Files someone asked to have parsed again now (the REST API's reparse route); the DAG processor takes them.</summary>
public sealed class DagParsingRequestStore(MetadataDatabase database)
{
    public async Task AddAsync(string fileloc, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("INSERT INTO dag_parsing_request (fileloc, requested_at) VALUES (@fileloc, @at)", new { fileloc, at = Micros.From(now) });
    }

    /// <summary>Whether a request waits (one cheap query: the DAG processor asks every second).</summary>
    public async Task<bool> AnyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long?>("SELECT id FROM dag_parsing_request LIMIT 1") is not null;
    }

    /// <summary>Removes and returns the files asked for; each is taken by one DAG processor.</summary>
    public async Task<IReadOnlySet<string>> TakeAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        if (database.Dialect == Database.SqlDialect.MySql)
        {
            // No DELETE … RETURNING there: the rows are locked, read and deleted in one transaction.
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var files = (await connection.QueryAsync<string>("SELECT fileloc FROM dag_parsing_request FOR UPDATE", transaction: transaction)).ToHashSet(StringComparer.Ordinal);
            if (files.Count > 0)
            {
                await connection.ExecuteAsync("DELETE FROM dag_parsing_request WHERE fileloc IN @files", new { files = files.ToList() }, transaction);
            }

            await transaction.CommitAsync(cancellationToken);
            return files;
        }

        return (await connection.QueryAsync<string>("DELETE FROM dag_parsing_request RETURNING fileloc")).ToHashSet(StringComparer.Ordinal);
    }
}
