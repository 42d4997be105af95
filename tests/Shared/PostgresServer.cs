namespace Updraft.Tests.Shared;

/// <summary>
/// A real PostgreSQL server for the tests: the one named by <c>UPDRAFT_TEST_POSTGRES</c> (a postgresql:// URI with
/// rights to create databases), or else a throwaway cluster this fixture creates from the machine's PostgreSQL
/// binaries (<c>apt-get install postgresql</c>) on a free loopback port and removes afterwards.
/// </summary>
/// <remarks>
/// The throwaway cluster runs with <c>fsync</c>, <c>synchronous_commit</c> and <c>full_page_writes</c> off (fast,
/// not durable), unless <c>UPDRAFT_PG_DURABLE=1</c> keeps PostgreSQL's durable defaults (the benchmarks' second set
/// of figures). <c>UPDRAFT_PG_OPTIONS</c> adds server options, e.g.
/// <c>-c shared_preload_libraries=pg_stat_statements</c> to see where a benchmark's SQL time goes.
/// </remarks>
public sealed class PostgresServer : IDisposable
{
    private readonly string? _dataDirectory;
    private readonly string? _binDirectory;
    private readonly int _port;

    public PostgresServer()
    {
        var given = Environment.GetEnvironmentVariable("UPDRAFT_TEST_POSTGRES");
        if (!string.IsNullOrEmpty(given))
        {
            AdminUri = given.TrimEnd('/');
            return;
        }

        _binDirectory = FindBinaries();
        var port = ServerProcess.FreePort();
        _dataDirectory = Path.Combine(Path.GetTempPath(), "updraft-pg-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dataDirectory);
        var asRoot = Environment.UserName == "root";
        if (asRoot)
        {
            Run("chown", ["postgres", _dataDirectory]);
        }

        Run(Path.Combine(_binDirectory, "initdb"), ["-D", _dataDirectory, "-A", "trust", "-U", "postgres", "--no-sync"], asRoot);
        _port = port;
        Start();
        AdminUri = $"postgresql://postgres@127.0.0.1:{port}/postgres";
    }

    /// <summary>Starts the server (again, after <see cref="Stop"/>) on the same port and data.</summary>
    public void Start() => Run(Path.Combine(_binDirectory!, "pg_ctl"), [
        "-D", _dataDirectory!, "-w", "-l", Path.Combine(_dataDirectory!, "server.log"), "-o",
        $"-p {_port} -k {_dataDirectory} -c listen_addresses=127.0.0.1 -c max_connections=300"
            + (Environment.GetEnvironmentVariable("UPDRAFT_PG_DURABLE") == "1" ? "" : " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
            + " " + Environment.GetEnvironmentVariable("UPDRAFT_PG_OPTIONS"),
        "start"], Environment.UserName == "root");

    /// <summary>
    /// Stops the server at once, as a crash or a restart would: every connection is dropped. This process's pooled
    /// connections are dropped too, so later tests on the server do not meet a dead one.
    /// </summary>
    public void Stop()
    {
        Run(Path.Combine(_binDirectory!, "pg_ctl"), ["-D", _dataDirectory!, "-m", "fast", "-w", "stop"], Environment.UserName == "root");
        Npgsql.NpgsqlConnection.ClearAllPools();
    }

    /// <summary>A URI of the server's administrative database.</summary>
    public string AdminUri { get; }

    /// <summary>Creates a new, empty database and returns its URI: one per test class keeps tests apart.</summary>
    public string CreateDatabase()
    {
        var name = "updraft_test_" + Guid.NewGuid().ToString("N")[..12];
        using var connection = new Npgsql.NpgsqlConnection(ToConnectionString(AdminUri));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"CREATE DATABASE {name}";
        command.ExecuteNonQuery();
        return AdminUri[..AdminUri.LastIndexOf('/')] + "/" + name;
    }

    public void Dispose()
    {
        if (_dataDirectory is null || _binDirectory is null)
        {
            return;
        }

        try
        {
            Run(Path.Combine(_binDirectory, "pg_ctl"), ["-D", _dataDirectory, "-m", "immediate", "-w", "stop"], Environment.UserName == "root");
        }
        finally
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    private static string ToConnectionString(string uri)
    {
        var parsed = new Uri(uri);
        return new Npgsql.NpgsqlConnectionStringBuilder
        {
            Host = parsed.Host,
            Port = parsed.Port,
            Username = parsed.UserInfo.Split(':')[0],
            Password = parsed.UserInfo.Contains(':', StringComparison.Ordinal) ? parsed.UserInfo.Split(':', 2)[1] : null,
            Database = parsed.AbsolutePath.Trim('/'),
        }.ToString();
    }

    private static string FindBinaries()
    {
        var root = "/usr/lib/postgresql";
        var bin = Directory.Exists(root)
            ? Directory.GetDirectories(root).Select(d => Path.Combine(d, "bin")).Where(d => File.Exists(Path.Combine(d, "initdb"))).OrderByDescending(d => d, StringComparer.Ordinal).FirstOrDefault()
            : null;
        return bin ?? throw new InvalidOperationException(
            "PostgreSQL tests need a server: install PostgreSQL (apt-get install -y postgresql) or set UPDRAFT_TEST_POSTGRES to a postgresql:// URI.");
    }

    private static void Run(string file, string[] args, bool asPostgres = false) => ServerProcess.Run(file, args, asPostgres ? "postgres" : null);
}
