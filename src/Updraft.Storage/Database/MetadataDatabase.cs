using System.Data.Common;
using Microsoft.Data.Sqlite;
using MySqlConnector;
using Npgsql;

namespace Updraft.Storage.Database;

/// <summary>
/// The metadata database named by <c>[database] connection</c>: <c>sqlite:////absolute/path.db</c> or
/// <c>sqlite:///relative/path.db</c> (WAL mode; a relative path is resolved against the folder given, which the CLI
/// sets to <c>UPDRAFT_HOME</c>), <c>postgresql://user:password@host:port/database</c> or
/// <c>mysql://user:password@host:port/database</c> (also <c>mysql+driver://</c> and <c>mariadb://</c>; MySQL 8.0+ or
/// MariaDB 10.6+). Opens connections; every store works through it.
/// </summary>
public sealed class MetadataDatabase
{
    private readonly string _connectionString;
    private readonly string? _wakeFile;
    private int _walEnabled;
    private volatile string? _mySqlCollation;

    private MetadataDatabase(SqlDialect dialect, string connectionString, string description)
    {
        Dialect = dialect;
        _connectionString = connectionString;
        Description = description;
        if (dialect == SqlDialect.Sqlite)
        {
            // In a folder of its own: a watch of the database's folder would also see every write to the WAL.
            _wakeFile = Path.Combine(new SqliteConnectionStringBuilder(connectionString).DataSource + "-wake", "wake");
        }
    }

    public SqlDialect Dialect { get; }

    /// <summary>Where the database is, without any password, for messages.</summary>
    public string Description { get; }

    /// <param name="uri">The <c>[database] connection</c> URI.</param>
    /// <param name="relativeTo">The folder a relative SQLite path is resolved against (default: the current folder).</param>
    public static MetadataDatabase FromUri(string uri, string? relativeTo = null)
    {
        ArgumentNullException.ThrowIfNull(uri);
        if (uri.StartsWith("sqlite:///", StringComparison.Ordinal))
        {
            var path = uri["sqlite:///".Length..];
            if (path.Length == 0)
            {
                throw new DatabaseException("[database] connection 'sqlite:///' names no file; use sqlite:////absolute/path/updraft.db.");
            }

            // As in SQLAlchemy: sqlite:////abs/path.db is absolute, sqlite:///rel/path.db relative.
            path = Path.GetFullPath(path, relativeTo ?? Directory.GetCurrentDirectory());
            var builder = new SqliteConnectionStringBuilder { DataSource = path, Pooling = true, DefaultTimeout = 30 };
            return new MetadataDatabase(SqlDialect.Sqlite, builder.ToString(), $"sqlite:///{path}");
        }

        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        var scheme = schemeEnd > 0 ? uri[..schemeEnd] : "";
        if (scheme is "postgresql" or "postgres" || scheme.StartsWith("postgresql+", StringComparison.Ordinal))
        {
            Uri parsed;
            try
            {
                parsed = new Uri("postgresql" + uri[schemeEnd..]);
            }
            catch (UriFormatException)
            {
                throw new DatabaseException("[database] connection is not a valid PostgreSQL URI (postgresql://user:password@host:port/database).");
            }

            var user = parsed.UserInfo.Split(':', 2);
            var builder = new NpgsqlConnectionStringBuilder
            {
                Host = parsed.Host,
                Port = parsed.IsDefaultPort || parsed.Port <= 0 ? 5432 : parsed.Port,
                Database = Uri.UnescapeDataString(parsed.AbsolutePath.TrimStart('/')),
                Username = user.Length > 0 && user[0].Length > 0 ? Uri.UnescapeDataString(user[0]) : null,
                Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : null,
                Timeout = 10,
                MaxPoolSize = 50,

                // Stores open a pooled connection per call and keep no session state (locks are transaction-scoped), so
                // the DISCARD ALL Npgsql sends when a connection goes back to the pool is a wasted round trip per call.
                NoResetOnClose = true,

                // The stores run the same statements over and over: prepared on each pooled connection once used twice,
                // the server parses and plans them once, not on every call.
                MaxAutoPrepare = 64,
                AutoPrepareMinUsages = 2,
            };
            if (string.IsNullOrEmpty(builder.Database))
            {
                throw new DatabaseException("[database] connection names no PostgreSQL database (postgresql://user:password@host:port/database).");
            }

            return new MetadataDatabase(SqlDialect.Postgres, builder.ToString(), $"postgresql://{builder.Host}:{builder.Port}/{builder.Database}");
        }

        if (scheme is "mysql" or "mariadb" || scheme.StartsWith("mysql+", StringComparison.Ordinal) || scheme.StartsWith("mariadb+", StringComparison.Ordinal))
        {
            var (connectionString, description) = MySqlSupport.FromUri(uri, schemeEnd);
            return new MetadataDatabase(SqlDialect.MySql, connectionString, description);
        }

        throw new DatabaseException($"[database] connection must start with sqlite:///, postgresql:// or mysql://, found '{(schemeEnd > 0 ? scheme + "://…" : "(no scheme)")}'.");
    }

    public async Task<DbConnection> OpenAsync(CancellationToken cancellationToken = default)
    {
        DbConnection connection = Dialect switch
        {
            SqlDialect.Sqlite => new SqliteConnection(_connectionString),
            SqlDialect.MySql => new MySqlConnection(_connectionString),
            _ => new NpgsqlConnection(_connectionString),
        };
        try
        {
            if (Dialect == SqlDialect.Sqlite)
            {
                var folder = Path.GetDirectoryName(new SqliteConnectionStringBuilder(_connectionString).DataSource);
                if (folder is not null)
                {
                    Directory.CreateDirectory(folder);
                }
            }

            await connection.OpenAsync(cancellationToken);
            if (Dialect == SqlDialect.Sqlite)
            {
                // WAL is a property of the database file: set it once. synchronous and busy_timeout belong to the
                // connection; SQLite's own busy handler waits far more finely than the driver's retry loop, which
                // matters with the scheduler and several workers writing at once.
                await using var pragma = connection.CreateCommand();
                pragma.CommandText = Interlocked.Exchange(ref _walEnabled, 1) == 0
                    ? "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;"
                    : "PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=30000;";
                await pragma.ExecuteNonQueryAsync(cancellationToken);
            }
            else if (Dialect == SqlDialect.MySql)
            {
                _mySqlCollation ??= await MySqlSupport.CheckServerAsync(connection, Description, cancellationToken);
                await using var session = connection.CreateCommand();
                session.CommandText = MySqlSupport.SessionSql + (_mySqlCollation == MySqlSupport.MySqlCollation ? MySqlSupport.MySqlRecursion : MySqlSupport.MariaDbRecursion);
                await session.ExecuteNonQueryAsync(cancellationToken);
            }

            return connection;
        }
        catch (DatabaseException)
        {
            await connection.DisposeAsync();
            throw;
        }
        catch (Exception e) when (e is NpgsqlException or SqliteException or MySqlException or System.Net.Sockets.SocketException or TimeoutException or IOException)
        {
            await connection.DisposeAsync();
            throw new DatabaseException($"Cannot connect to the metadata database at {Description}: {FirstLine(e.Message)}", e);
        }
    }

    /// <summary>
    /// Whether an error is the database being briefly unavailable (a restart, a dropped connection, a busy file), so
    /// the same write may succeed when tried again, rather than a mistake in the write itself.
    /// </summary>
    public static bool IsTransient(Exception error) => error switch
    {
        // Only when connecting failed for a reason that passes: wrong credentials or a missing database do not.
        DatabaseException { InnerException: { } inner } => IsTransient(inner),
        NpgsqlException npgsql => npgsql.IsTransient || npgsql is PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "40001" or "40P01" },
        SqliteException sqlite => sqlite.SqliteErrorCode is 5 or 6,

        // A deadlock (1213) or a lock wait that timed out (1205) rolled the transaction back: it may run again.
        MySqlException mysql => mysql.IsTransient || mysql.ErrorCode is MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout,
        System.Net.Sockets.SocketException or TimeoutException or IOException => true,
        _ => false,
    };

    /// <summary>
    /// On PostgreSQL, the statement that tells every listening scheduler there is work (a trigger fired, an asset was
    /// updated), run in the writing transaction so it is delivered when that commits; null elsewhere (on SQLite the
    /// writer calls <see cref="WakeSchedulers"/> once it has committed).
    /// </summary>
    public string? NotifySchedulers => Dialect == SqlDialect.Postgres ? NotifySchedulersStatement : null;

    /// <summary>The PostgreSQL statement of <see cref="NotifySchedulers"/>.</summary>
    internal const string NotifySchedulersStatement = "SELECT pg_notify('" + SchedulerChannel + "', '')";

    private const string SchedulerChannel = "updraft_scheduler";

    /// <summary>
    /// Whether schedulers can be told of work at once by other processes: PostgreSQL (<c>LISTEN</c>/<c>NOTIFY</c>) and
    /// SQLite (a wake file beside the database, watched through the file system). MySQL has neither: its schedulers
    /// find such work on their next poll.
    /// </summary>
    public bool SchedulersCanListen => Dialect == SqlDialect.Postgres || _wakeFile is not null;

    /// <summary>
    /// After a commit that schedulers in other processes should see at once (a trigger fired, an asset event queued a
    /// DAG): on SQLite, which has no <c>NOTIFY</c>, writes a byte to the wake file in the folder beside the database
    /// (<c>updraft.db-wake/wake</c>) that every scheduler on that database watches. Nothing elsewhere (PostgreSQL's
    /// <see cref="NotifySchedulers"/> went with the transaction). Never throws: if the file cannot be written, the
    /// schedulers' poll still finds the work.
    /// </summary>
    public void WakeSchedulers()
    {
        if (_wakeFile is null)
        {
            return;
        }

        try
        {
            // A write, not a touch of the time stamp: inotify reports it as a modification on every file system.
            Directory.CreateDirectory(Path.GetDirectoryName(_wakeFile)!);
            using var file = new FileStream(_wakeFile, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
            file.WriteByte(1);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The poll interval bounds the delay.
        }
    }

    /// <summary>
    /// Calls <paramref name="notified"/> each time another writer tells schedulers there is work, until cancelled:
    /// on PostgreSQL each <see cref="NotifySchedulers"/> (on a connection of its own, outside the pool), on SQLite each
    /// <see cref="WakeSchedulers"/> (a file-system watch of the wake file); returns at once on MySQL. Throws when the
    /// connection or the watch is lost, so the caller listens again.
    /// </summary>
    public async Task ListenForSchedulersAsync(Action notified, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(notified);
        if (_wakeFile is not null)
        {
            await WatchWakeFileAsync(_wakeFile, notified, cancellationToken);
            return;
        }

        if (Dialect != SqlDialect.Postgres)
        {
            return;
        }

        var builder = new NpgsqlConnectionStringBuilder(_connectionString) { Pooling = false, KeepAlive = 30 };
        await using var connection = new NpgsqlConnection(builder.ToString());
        connection.Notification += (_, _) => notified();
        await connection.OpenAsync(cancellationToken);
        await using (var listen = new NpgsqlCommand($"LISTEN {SchedulerChannel}", connection))
        {
            await listen.ExecuteNonQueryAsync(cancellationToken);
        }

        while (true)
        {
            await connection.WaitAsync(cancellationToken);
        }
    }

    private static async Task WatchWakeFileAsync(string wakeFile, Action notified, CancellationToken cancellationToken)
    {
        var folder = Path.GetDirectoryName(wakeFile)!;
        Directory.CreateDirectory(folder);
        var lost = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        // The folder holds the wake file alone, so the watch sees nothing else. Should its buffer overflow all the
        // same, a wake-up may have been lost: wake anyway and keep watching.
        using var watcher = new FileSystemWatcher(folder, Path.GetFileName(wakeFile))
        {
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        watcher.Changed += (_, _) => notified();
        watcher.Created += (_, _) => notified();
        watcher.Error += (_, e) =>
        {
            if (e.GetException() is InternalBufferOverflowException)
            {
                notified();
            }
            else
            {
                lost.TrySetResult(e.GetException());
            }
        };
        watcher.EnableRaisingEvents = true;
        var error = await lost.Task.WaitAsync(cancellationToken);
        throw new IOException($"Watching {wakeFile} for work from other processes failed: {error.Message}", error);
    }

    /// <summary>
    /// The binary, no-padding collation of every MySQL table (ids compare case- and accent-sensitively, as on
    /// PostgreSQL): <c>utf8mb4_nopad_bin</c> on MariaDB, <c>utf8mb4_0900_bin</c> on MySQL; known once a connection has
    /// been opened.
    /// </summary>
    internal string MySqlCollation => _mySqlCollation ?? throw new InvalidOperationException("No MySQL connection has been opened yet.");

    /// <summary>
    /// SQL that makes this transaction the only one admitting task instances until it ends: a transaction-scoped
    /// advisory lock on PostgreSQL, a locked row of <c>updraft_lock</c> on MySQL (its named locks belong to the
    /// session, not the transaction). SQLite transactions here begin immediate, which already serialises writers.
    /// </summary>
    public string? AdmissionLock => Dialect switch
    {
        SqlDialect.Postgres => "SELECT pg_advisory_xact_lock(7235001)",
        SqlDialect.MySql => "SELECT name FROM updraft_lock WHERE name = 'admission' FOR UPDATE",
        _ => null,
    };

    /// <summary>
    /// The lock under which a scheduler starts queued runs, so several never start more than a DAG's or a backfill's
    /// <c>max_active_runs</c> between them: a transaction-scoped advisory lock on PostgreSQL (SQLite's write lock already
    /// serialises them), a locked row of <c>updraft_lock</c> on MySQL.
    /// </summary>
    public string? RunStartLock => Dialect switch
    {
        SqlDialect.Postgres => "SELECT pg_advisory_xact_lock(7235002)",
        SqlDialect.MySql => "SELECT name FROM updraft_lock WHERE name = 'run_start' FOR UPDATE",
        _ => null,
    };

    /// <summary>SQL that locks the selected rows for this transaction and skips rows other schedulers hold (not on SQLite, whose writers are serialised).</summary>
    public string ForUpdateSkipLocked => Dialect == SqlDialect.Sqlite ? "" : " FOR UPDATE SKIP LOCKED";

    /// <summary>
    /// The end of an INSERT that leaves rows whose key exists as they are: <c>ON CONFLICT DO NOTHING</c>; on MySQL an
    /// <c>ON DUPLICATE KEY UPDATE</c> that sets <paramref name="keyColumn"/> to itself, which changes nothing (not
    /// <c>INSERT IGNORE</c>, which would also truncate a value too long instead of failing). On MySQL the statement's
    /// count includes the rows it skipped: where the count matters, insert plainly and catch <see cref="IsDuplicateKey"/>.
    /// </summary>
    public string SkipExisting(string keyColumn) => PortableSql.SkipExisting(Dialect == SqlDialect.MySql, keyColumn);

    /// <summary>
    /// The end of an INSERT that overwrites <paramref name="columns"/> of a row whose key (<paramref name="conflictColumns"/>)
    /// exists with the values being inserted: <c>ON CONFLICT (…) DO UPDATE SET c = excluded.c</c>, on MySQL
    /// <c>ON DUPLICATE KEY UPDATE c = VALUES(c)</c>. An entry written <c>c = expression</c> sets that column to a
    /// constant expression instead.
    /// </summary>
    public string Overwrite(string conflictColumns, params string[] columns) => PortableSql.Overwrite(Dialect == SqlDialect.MySql, conflictColumns, columns);

    /// <summary>
    /// Runs a one-row INSERT unless a row with its key exists; returns 1 when it inserted, 0 when the row existed
    /// (<c>ON CONFLICT DO NOTHING</c>; on MySQL the duplicate-key error, which fails only the statement, not the transaction).
    /// </summary>
    public async Task<int> InsertUnlessExistsAsync(DbConnection connection, string insert, object? parameters, DbTransaction? transaction = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        if (Dialect != SqlDialect.MySql)
        {
            return await Dapper.SqlMapper.ExecuteAsync(connection, insert + " ON CONFLICT DO NOTHING", parameters, transaction);
        }

        try
        {
            return await Dapper.SqlMapper.ExecuteAsync(connection, insert, parameters, transaction);
        }
        catch (MySqlException e) when (e.ErrorCode == MySqlErrorCode.DuplicateKeyEntry)
        {
            return 0;
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> (a whole transaction: it opens its own connection) again when the database chose it
    /// as a deadlock victim and rolled it back — InnoDB does that under contention that PostgreSQL would queue — up to
    /// five times with a short random pause; other errors, and the sixth deadlock, go to the caller.
    /// </summary>
    public static async Task<T> RetryDeadlocksAsync<T>(Func<Task<T>> work, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await work();
            }
            catch (Exception e) when (attempt < 6 && IsDeadlock(e))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(Random.Shared.Next(5, 20 * attempt)), cancellationToken);
            }
        }
    }

    /// <summary>Whether the database rolled a transaction back to break a deadlock (so running it again may succeed).</summary>
    public static bool IsDeadlock(Exception error) => error switch
    {
        MySqlException mysql => mysql.ErrorCode == MySqlErrorCode.LockDeadlock,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.DeadlockDetected,
        _ => false,
    };

    /// <summary>Whether a connection is to MySQL/MariaDB (for static store helpers that get a connection, not the database).</summary>
    public static bool IsMySql(DbConnection connection) => connection is MySqlConnection;

    /// <summary>Whether an INSERT failed because a row with its key exists (on any dialect).</summary>
    public static bool IsDuplicateKey(Exception error) => error switch
    {
        MySqlException mysql => mysql.ErrorCode == MySqlErrorCode.DuplicateKeyEntry,
        PostgresException postgres => postgres.SqlState == PostgresErrorCodes.UniqueViolation,
        SqliteException sqlite => sqlite.SqliteExtendedErrorCode is 1555 or 2067,
        _ => false,
    };

    private static string FirstLine(string message) => message.Split('\n')[0].Trim();
}
