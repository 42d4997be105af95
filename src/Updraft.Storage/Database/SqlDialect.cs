namespace Updraft.Storage.Database;

/// <summary>The SQL dialects the metadata database supports.</summary>
public enum SqlDialect
{
    Sqlite,
    Postgres,
}
