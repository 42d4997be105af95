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
    /// a DAG that has none any more loses its warning, one whose message is unchanged keeps its first timestamp.
    /// </summary>
    public async Task ReplaceAsync(string type, IReadOnlyCollection<string> dagIds, IReadOnlyDictionary<string, string> warnings, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dagIds);
        ArgumentNullException.ThrowIfNull(warnings);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var current = (await connection.QueryAsync<(string DagId, string Message)>(
                "SELECT dag_id, message FROM dag_warning WHERE warning_type = @type", new { type }, transaction))
            .ToDictionary(r => r.DagId, r => r.Message, StringComparer.Ordinal);
        foreach (var dagId in dagIds)
        {
            var has = current.TryGetValue(dagId, out var stored);
            var wanted = warnings.GetValueOrDefault(dagId);
            if (has && stored != wanted)
            {
                await connection.ExecuteAsync("DELETE FROM dag_warning WHERE dag_id = @dagId AND warning_type = @type", new { dagId, type }, transaction);
            }

            if (wanted is not null && stored != wanted)
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
