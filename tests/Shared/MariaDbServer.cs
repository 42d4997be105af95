using System.Diagnostics;
using MySqlConnector;

namespace Updraft.Tests.Shared;

/// <summary>
/// A real MariaDB (or MySQL) server for the tests: the one named by <c>UPDRAFT_TEST_MYSQL</c> (a mysql:// URI of a user
/// allowed to create databases), or else a throwaway server this fixture creates from the machine's MariaDB binaries
/// (<c>apt-get install mariadb-server</c>) in a data directory of its own, on a free loopback port, and removes afterwards.
/// </summary>
/// <remarks>
/// The throwaway server writes its redo log lazily and keeps no binary log (fast, not durable). It has one user,
/// <c>updraft</c>, with a password, so the tests connect over TCP the way a user does.
/// </remarks>
public sealed class MariaDbServer : IDisposable
{
    public const string Password = "updraft-test-pw";

    private readonly string? _directory;
    private readonly Process? _server;

    public MariaDbServer()
    {
        var given = Environment.GetEnvironmentVariable("UPDRAFT_TEST_MYSQL");
        if (!string.IsNullOrEmpty(given))
        {
            AdminUri = given.TrimEnd('/');
            return;
        }

        var server = "/usr/sbin/mariadbd";
        var install = "/usr/bin/mariadb-install-db";
        if (!File.Exists(server) || !File.Exists(install))
        {
            throw new InvalidOperationException(
                "MySQL tests need a server: install MariaDB (apt-get install -y mariadb-server) or set UPDRAFT_TEST_MYSQL to a mysql:// URI.");
        }

        _directory = Path.Combine(Path.GetTempPath(), "updraft-maria-" + Guid.NewGuid().ToString("N")[..12]);
        var data = Path.Combine(_directory, "data");
        Directory.CreateDirectory(data);
        var user = Environment.UserName == "root" ? "root" : Environment.UserName;
        ServerProcess.Run(install, ["--no-defaults", $"--user={user}", $"--datadir={data}", "--auth-root-authentication-method=normal", "--skip-test-db"]);
        var port = ServerProcess.FreePort();
        var socket = Path.Combine(_directory, "mariadb.sock");
        var start = new ProcessStartInfo(server) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in new[]
                 {
                     "--no-defaults", $"--user={user}", $"--datadir={data}", $"--socket={socket}", $"--port={port}", "--bind-address=127.0.0.1",
                     $"--pid-file={Path.Combine(_directory, "mariadb.pid")}", "--skip-log-bin", "--innodb-flush-log-at-trx-commit=0",
                     "--innodb-buffer-pool-size=256M", "--max-connections=400", "--skip-name-resolve",
                     $"--log-error={Path.Combine(_directory, "server.log")}",
                 })
        {
            start.ArgumentList.Add(arg);
        }

        _server = Process.Start(start)!;
        _server.StandardOutput.ReadToEndAsync();
        _server.StandardError.ReadToEndAsync();
        var root = new MySqlConnectionStringBuilder { Server = socket, ConnectionProtocol = MySqlConnectionProtocol.UnixSocket, UserID = "root", Pooling = false }.ToString();
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var connection = new MySqlConnection(root);
                connection.Open();
                using var command = connection.CreateCommand();
                command.CommandText = $"CREATE USER 'updraft'@'127.0.0.1' IDENTIFIED BY '{Password}'; GRANT ALL PRIVILEGES ON *.* TO 'updraft'@'127.0.0.1'";
                command.ExecuteNonQuery();
                break;
            }
            catch (MySqlException) when (deadline.Elapsed < TimeSpan.FromSeconds(60) && !_server.HasExited)
            {
                Task.Delay(200).GetAwaiter().GetResult();
            }
            catch (MySqlException e)
            {
                var log = Path.Combine(_directory, "server.log");
                throw new InvalidOperationException($"MariaDB did not start: {e.Message}\n{(File.Exists(log) ? File.ReadAllText(log) : "")}", e);
            }
        }

        Port = port;
        AdminUri = $"mysql://updraft:{Password}@127.0.0.1:{port}/mysql";
    }

    /// <summary>The port of the throwaway server (0 for a server named by <c>UPDRAFT_TEST_MYSQL</c>).</summary>
    public int Port { get; }

    /// <summary>A URI of the server's administrative database.</summary>
    public string AdminUri { get; }

    /// <summary>Creates a new, empty utf8mb4 database and returns its URI: one per test class keeps tests apart.</summary>
    public string CreateDatabase(string characterSet = "utf8mb4")
    {
        var name = "updraft_test_" + Guid.NewGuid().ToString("N")[..12];
        Execute($"CREATE DATABASE {name} CHARACTER SET {characterSet}");
        return AdminUri[..AdminUri.LastIndexOf('/')] + "/" + name;
    }

    /// <summary>Runs a statement as the administrative user.</summary>
    public void Execute(string sql)
    {
        using var connection = new MySqlConnection(ToConnectionString(AdminUri));
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    public void Dispose()
    {
        if (_server is null || _directory is null)
        {
            return;
        }

        try
        {
            if (!_server.HasExited)
            {
                _server.Kill();
                _server.WaitForExit(10_000);
            }
        }
        finally
        {
            _server.Dispose();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private static string ToConnectionString(string uri)
    {
        var parsed = new Uri(uri);
        return new MySqlConnectionStringBuilder
        {
            Server = parsed.Host,
            Port = (uint)parsed.Port,
            UserID = Uri.UnescapeDataString(parsed.UserInfo.Split(':')[0]),
            Password = parsed.UserInfo.Contains(':', StringComparison.Ordinal) ? Uri.UnescapeDataString(parsed.UserInfo.Split(':', 2)[1]) : "",
            Database = parsed.AbsolutePath.Trim('/'),
            Pooling = false,
        }.ToString();
    }
}
