using Dapper;
using Updraft.Core.Serialization;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>DAG file contents by hash. A hash names one content forever, so a stored one is never written again.</summary>
public sealed class DagCodeStore(MetadataDatabase database)
{
    /// <summary>Stores the contents not stored yet; returns how many were new.</summary>
    public async Task<int> SaveAsync(IReadOnlyCollection<DagCode> codes, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(codes);
        if (codes.Count == 0)
        {
            return 0;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var known = (await connection.QueryAsync<string>(
                "SELECT source_hash FROM dag_code WHERE source_hash IN " + DagStore.InList(codes.Count),
                DagStore.Parameters([.. codes.Select(c => c.SourceHash)]),
                transaction))
            .ToHashSet(StringComparer.Ordinal);
        var added = codes.Where(c => !known.Contains(c.SourceHash)).DistinctBy(c => c.SourceHash).ToList();
        await connection.ExecuteAsync(
            "INSERT INTO dag_code (source_hash, fileloc, content, created_at) VALUES (@SourceHash, @Fileloc, @Content, @At)" + database.SkipExisting("source_hash"),
            added.Select(c => new { c.SourceHash, c.Fileloc, c.Content, At = Micros.From(now) }),
            transaction);
        await transaction.CommitAsync(cancellationToken);
        return added.Count;
    }

    public async Task<DagCode?> GetAsync(string sourceHash, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string Hash, string Fileloc, byte[] Content)?>(
            "SELECT source_hash, fileloc, content FROM dag_code WHERE source_hash = @sourceHash", new { sourceHash });
        return row is { } r ? new DagCode(r.Hash, r.Fileloc, r.Content) : null;
    }
}
