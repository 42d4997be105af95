using Dapper;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>A warning about a DAG that still loads (Airflow's <c>DagWarning</c>); times in microseconds since the epoch.</summary>
public sealed class DagWarning
{
    /// <summary>Airflow's warning type for a task whose pool does not exist.</summary>
    public const string NonExistentPool = "non-existent pool";

    public string DagId { get; init; } = "";

    public string WarningType { get; init; } = "";

    public string Message { get; init; } = "";

    public long Timestamp { get; init; }
}

/// <summary>DAG warnings: replaced by the DAG processor on each pass, listed by the REST API.</summary>
public sealed class DagWarningStore(MetadataDatabase database)
{
    private static readonly Dictionary<string, string> Sortable = new(StringComparer.Ordinal)
    {
        ["dag_id"] = "dag_id",
        ["warning_type"] = "warning_type",
        ["message"] = "message",
        ["timestamp"] = "timestamp",
    };

    /// <summary>
    /// Sets the warnings of <paramref name="type"/> for the DAGs in <paramref name="dagIds"/> to <paramref name="warnings"/>:
    /// a DAG that has none any more loses its warning, one whose message is unchanged keeps its first timestamp, and
    /// DAGs no longer active lose theirs. Nothing is written when nothing changed.
    /// </summary>
    public async Task ReplaceAsync(string type, IReadOnlyCollection<string> dagIds, IReadOnlyDictionary<string, string> warnings, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dagIds);
        ArgumentNullException.ThrowIfNull(warnings);
        await using var connection = await database.OpenAsync(cancellationToken);
        var current = (await connection.QueryAsync<(string DagId, string Message)>(
                "SELECT dag_id, message FROM dag_warning WHERE warning_type = @type", new { type }))
            .ToDictionary(r => r.DagId, r => r.Message, StringComparer.Ordinal);
        var changes = dagIds.Where(id => current.GetValueOrDefault(id) != warnings.GetValueOrDefault(id)).ToList();
        var stale = await connection.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM dag_warning w WHERE w.warning_type = @type AND NOT EXISTS (SELECT 1 FROM dag d WHERE d.dag_id = w.dag_id AND d.is_active = 1)", new { type });
        if (changes.Count == 0 && stale == 0)
        {
            // The usual pass: nothing to write.
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // DAGs gone from their files, or whose files no longer load, keep no warning.
        await connection.ExecuteAsync(
            "DELETE FROM dag_warning WHERE warning_type = @type AND NOT EXISTS (SELECT 1 FROM dag d WHERE d.dag_id = dag_warning.dag_id AND d.is_active = 1)",
            new { type },
            transaction);
        foreach (var dagId in changes)
        {
            await connection.ExecuteAsync("DELETE FROM dag_warning WHERE dag_id = @dagId AND warning_type = @type", new { dagId, type }, transaction);
            if (warnings.GetValueOrDefault(dagId) is { } wanted)
            {
                await connection.ExecuteAsync(
                    "INSERT INTO dag_warning (dag_id, warning_type, message, timestamp) VALUES (@dagId, @type, @wanted, @at)",
                    new { dagId, type, wanted, at = Micros.From(now) },
                    transaction);
            }
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>One page of warnings, of the given DAGs when <paramref name="dagIds"/> is not null.</summary>
    public async Task<Page<DagWarning>> QueryAsync(IReadOnlyCollection<string>? dagIds, string? warningType, PageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        var sql = new ListSql("dag_warning", Sortable, "dag_id", "warning_type").In("dag_id", dagIds);
        if (warningType is not null)
        {
            sql.Where("warning_type = @value", warningType);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<DagWarning>(connection, "SELECT dag_id AS DagId, warning_type AS WarningType, message AS Message, timestamp AS Timestamp", page);
    }
}
