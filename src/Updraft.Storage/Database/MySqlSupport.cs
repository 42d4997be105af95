using System.Data.Common;
using System.Globalization;
using MySqlConnector;

namespace Updraft.Storage.Database;

/// <summary>
/// What the MySQL dialect needs beyond the shared stores: reading <c>mysql://</c> and <c>mariadb://</c> URIs, the
/// session every connection runs in, and the one-time check that the server is new enough and the database keeps
/// every character.
/// </summary>
internal static class MySqlSupport
{
    /// <summary>
    /// The session of every connection: double quotes name columns and <c>||</c> joins strings as on PostgreSQL and
    /// SQLite (a backslash in a string literal stays an escape: MySqlConnector escapes parameters that way, so shared SQL
    /// writes no backslash), strict types, times in UTC, and READ COMMITTED so a locking read sees what other schedulers
    /// committed (InnoDB's default REPEATABLE READ would keep an old snapshot).
    /// </summary>
    internal const string SessionSql =
        "SET SESSION sql_mode = 'ANSI_QUOTES,PIPES_AS_CONCAT,STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', time_zone = '+00:00', foreign_key_checks = 1;"
        + " SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED";

    /// <summary>
    /// MySQL stops a recursive CTE after 1,000 rows (cte_max_recursion_depth) and MariaDB after 1,000 iterations
    /// (max_recursive_iterations); mapping a task to more instances counts further.
    /// </summary>
    internal const string MySqlRecursion = "; SET SESSION cte_max_recursion_depth = 4294967295";

    /// <summary>MariaDB's form of <see cref="MySqlRecursion"/>.</summary>
    internal const string MariaDbRecursion = "; SET SESSION max_recursive_iterations = 4294967295";

    /// <summary>The binary, no-pad utf8mb4 collation of MariaDB's tables.</summary>
    internal const string MariaDbCollation = "utf8mb4_nopad_bin";

    /// <summary>The binary, no-pad utf8mb4 collation of MySQL's tables.</summary>
    internal const string MySqlCollation = "utf8mb4_0900_bin";

    private const string Usage = "mysql://user:password@host:3306/database";

    /// <summary>Reads <c>mysql://</c>, <c>mysql+driver://</c>, <c>mariadb://</c> and <c>mariadb+driver://</c> URIs as Airflow users write them.</summary>
    internal static (string ConnectionString, string Description) FromUri(string uri, int schemeEnd)
    {
        Uri parsed;
        try
        {
            parsed = new Uri("mysql" + uri[schemeEnd..]);
        }
        catch (UriFormatException)
        {
            throw new DatabaseException($"[database] connection is not a valid MySQL URI ({Usage}).");
        }

        var user = parsed.UserInfo.Split(':', 2);
        var builder = new MySqlConnectionStringBuilder
        {
            Server = parsed.Host,
            Port = parsed.IsDefaultPort || parsed.Port <= 0 ? 3306u : (uint)parsed.Port,
            Database = Uri.UnescapeDataString(parsed.AbsolutePath.TrimStart('/')),
            UserID = user.Length > 0 && user[0].Length > 0 ? Uri.UnescapeDataString(user[0]) : "",
            Password = user.Length > 1 ? Uri.UnescapeDataString(user[1]) : "",
            ConnectionTimeout = 10,
            MaximumPoolSize = 50,

            // The stores count rows an UPDATE matched (a guarded transition that found its row), as on the other
            // dialects, not only rows whose values changed.
            UseAffectedRows = false,
            TreatTinyAsBoolean = false,
            GuidFormat = MySqlGuidFormat.None,

            // Session variables are set again on every open (SessionSql), so a pooled connection needs no reset.
            ConnectionReset = false,
        };
        if (string.IsNullOrEmpty(builder.Database))
        {
            throw new DatabaseException($"[database] connection names no MySQL database ({Usage}).");
        }

        foreach (var (name, value) in QueryOptions(parsed.Query))
        {
            switch (name)
            {
                case "charset" when value.Equals("utf8mb4", StringComparison.OrdinalIgnoreCase):
                    break; // The only character set Updraft talks in.
                case "charset":
                    throw new DatabaseException($"[database] connection asks for charset '{value}'; Updraft stores text as utf8mb4 (leave the option out or write charset=utf8mb4).");
                case "ssl_mode" or "sslmode" or "ssl-mode":
                    builder.SslMode = value.Replace("_", "", StringComparison.Ordinal).ToUpperInvariant() switch
                    {
                        "DISABLED" => MySqlSslMode.Disabled,
                        "PREFERRED" => MySqlSslMode.Preferred,
                        "REQUIRED" => MySqlSslMode.Required,
                        "VERIFYCA" => MySqlSslMode.VerifyCA,
                        "VERIFYIDENTITY" => MySqlSslMode.VerifyFull,
                        _ => throw new DatabaseException($"[database] connection has ssl_mode '{value}'; use DISABLED, PREFERRED, REQUIRED, VERIFY_CA or VERIFY_IDENTITY."),
                    };
                    break;
                default:
                    throw new DatabaseException($"[database] connection has option '{name}', which Updraft does not know for MySQL (charset and ssl_mode are read).");
            }
        }

        return (builder.ToString(), $"mysql://{builder.Server}:{builder.Port}/{builder.Database}");
    }

    /// <summary>
    /// Checks once per process what the stores rely on: MySQL 8.0 / MariaDB 10.6 or newer (<c>FOR UPDATE SKIP LOCKED</c>,
    /// window functions, CTEs) and a database whose character set keeps every character. Returns the binary,
    /// no-padding collation the migrations give every table on this server.
    /// </summary>
    internal static async Task<string> CheckServerAsync(DbConnection connection, string description, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT VERSION(), @@character_set_database";
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        var version = reader.GetString(0);
        var charset = reader.GetString(1);
        var problem = ServerProblem(version, charset, description);
        if (problem is not null)
        {
            throw new DatabaseException(problem);
        }

        return IsMariaDb(version) ? MariaDbCollation : MySqlCollation;
    }

    /// <summary>Why a server of this version and a database of this character set cannot hold Updraft's metadata; null when they can.</summary>
    internal static string? ServerProblem(string version, string charset, string description)
    {
        var mariaDb = IsMariaDb(version);
        var numbers = version.Split('-', 2)[0].Split('.');
        var major = numbers.Length > 0 && int.TryParse(numbers[0], NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : 0;
        var minor = numbers.Length > 1 && int.TryParse(numbers[1], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var tooOld = mariaDb ? major < 10 || (major == 10 && minor < 6) : major < 8;
        if (tooOld)
        {
            return $"The metadata database at {description} runs {(mariaDb ? "MariaDB" : "MySQL")} {version.Split('-', 2)[0]}; Updraft needs MySQL 8.0 or MariaDB 10.6 or newer (FOR UPDATE SKIP LOCKED, which keeps several schedulers apart).";
        }

        if (!charset.Equals("utf8mb4", StringComparison.OrdinalIgnoreCase))
        {
            return $"The metadata database at {description} uses character set {charset}, which cannot hold every character of DAG ids, logs and values; create it with CREATE DATABASE … CHARACTER SET utf8mb4 (or ALTER DATABASE … CHARACTER SET utf8mb4 while it is empty).";
        }

        return null;
    }

    private static bool IsMariaDb(string version) => version.Contains("MariaDB", StringComparison.OrdinalIgnoreCase);

    private static IEnumerable<(string Name, string Value)> QueryOptions(string query)
    {
        foreach (var pair in query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var parts = pair.Split('=', 2);
            yield return (Uri.UnescapeDataString(parts[0]).ToLowerInvariant(), parts.Length > 1 ? Uri.UnescapeDataString(parts[1]) : "");
        }
    }
}
