namespace Updraft.Storage.Database;

/// <summary>The SQL dialects the metadata database supports.</summary>
public enum SqlDialect
{
    Sqlite,
    Postgres,

    /// <summary>MySQL 8.0+ and MariaDB 10.6+ (one dialect: the stores use what both servers share).</summary>
    MySql,
}
