using System.Data.Common;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;

namespace Updraft.Providers;

/// <summary>
/// Runs SQL through a connection (Airflow's <c>DbApiHook</c>): <see cref="PostgresHook"/> for <c>postgres</c>
/// connections, <see cref="SqliteHook"/> for <c>sqlite</c> ones; <see cref="ForAsync"/> picks by the connection's type.
/// </summary>
public abstract class SqlHook(TaskContext context, string connId) : ConnectionHook(context, connId)
{
    /// <summary>The hook for the connection's type; an unsupported type fails clearly.</summary>
    public static async Task<SqlHook> ForAsync(TaskContext context, string connId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var connection = await context.Connections.GetAsync(connId, context.CancellationToken)
            ?? throw new InvalidOperationException($"The connection '{connId}' is not defined: add it with 'updraft connections add {connId} …' or UPDRAFT_CONN_{connId.ToUpperInvariant()}.");
        return connection.ConnType switch
        {
            "postgres" => new PostgresHook(context, connId),
            "sqlite" => new SqliteHook(context, connId),
            var other => throw new InvalidOperationException($"SQL over connections of type '{other}' is not supported: use a postgres or sqlite connection."),
        };
    }

    /// <summary>An open database connection.</summary>
    public async Task<DbConnection> OpenAsync()
    {
        var connection = Create(await GetConnectionAsync());
        await connection.OpenAsync(CancellationToken);
        return connection;
    }

    /// <summary>
    /// Runs the statements in one transaction, each with the parameters it names (<c>@name</c>), and returns each
    /// statement's rows (empty for one that returns none).
    /// </summary>
    public async Task<IReadOnlyList<IReadOnlyList<object?[]>>> RunAsync(IReadOnlyList<string> statements, IReadOnlyDictionary<string, object?>? parameters = null)
    {
        ArgumentNullException.ThrowIfNull(statements);
        await using var connection = await OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync(CancellationToken);
        var results = new List<IReadOnlyList<object?[]>>(statements.Count);
        foreach (var sql in statements)
        {
            Log.Info($"Running statement: {sql}");
            await using var command = connection.CreateCommand();
            command.Transaction = transaction;
            command.CommandText = sql;
            foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
            {
                if (sql.Contains("@" + name, StringComparison.Ordinal))
                {
                    var parameter = command.CreateParameter();
                    parameter.ParameterName = name;
                    parameter.Value = value ?? DBNull.Value;
                    command.Parameters.Add(parameter);
                }
            }

            var rows = new List<object?[]>();
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken))
            {
                while (await reader.ReadAsync(CancellationToken))
                {
                    var row = new object?[reader.FieldCount];
                    for (var i = 0; i < row.Length; i++)
                    {
                        row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                    }

                    rows.Add(row);
                }

                Log.Info(reader.RecordsAffected >= 0 ? $"Rows affected: {reader.RecordsAffected}" : $"Rows returned: {rows.Count}");
            }

            results.Add(rows);
        }

        await transaction.CommitAsync(CancellationToken);
        return results;
    }

    protected abstract DbConnection Create(Connection connection);
}

/// <summary>PostgreSQL through a <c>postgres</c> connection: host, port (5432), schema as the database, login, password; <c>sslmode</c> from the extra.</summary>
public sealed class PostgresHook(TaskContext context, string connId = PostgresHook.DefaultConnId) : SqlHook(context, connId)
{
    public const string DefaultConnId = "postgres_default";

    /// <summary>The Npgsql connection string of a connection.</summary>
    public static string ConnectionString(Connection connection, TimeSpan? timeout = null, bool pooling = true)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var builder = new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = connection.Host ?? throw new ArgumentException($"The connection '{connection.ConnId}' has no host."),
            Port = connection.Port ?? 5432,
            Username = connection.Login,
            Password = connection.Password,
            Database = string.IsNullOrEmpty(connection.Schema) ? null : connection.Schema,
            Pooling = pooling,
        };
        if (timeout is { } t)
        {
            builder.Timeout = Math.Max(1, (int)t.TotalSeconds);
        }

        if (connection.ExtraDejson["sslmode"]?.ToString() is { } sslMode && Enum.TryParse<Npgsql.SslMode>(sslMode.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var mode))
        {
            builder.SslMode = mode;
        }

        return builder.ConnectionString;
    }

    protected override DbConnection Create(Connection connection) => new Npgsql.NpgsqlConnection(ConnectionString(connection));
}

/// <summary>SQLite through a <c>sqlite</c> connection whose host is the database file (Airflow's form), or whose URI's path is (<c>sqlite:////data/app.db</c>).</summary>
public sealed class SqliteHook(TaskContext context, string connId = SqliteHook.DefaultConnId) : SqlHook(context, connId)
{
    public const string DefaultConnId = "sqlite_default";

    public static string ConnectionString(Connection connection, bool readOnly = false)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = !string.IsNullOrEmpty(connection.Host) ? connection.Host
                : !string.IsNullOrEmpty(connection.Schema) ? connection.Schema
                : throw new ArgumentException($"The connection '{connection.ConnId}' names no database file (its host, or the path of a sqlite:////path/to/file.db URI)."),
            Mode = readOnly ? Microsoft.Data.Sqlite.SqliteOpenMode.ReadOnly : Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ConnectionString;
    }

    protected override DbConnection Create(Connection connection) => new Microsoft.Data.Sqlite.SqliteConnection(ConnectionString(connection));
}
