using System.Reflection;
using Dapper;

namespace Updraft.Storage.Database;

/// <summary>
/// Applies the versioned SQL migrations of the database's dialect (embedded <c>Migrations/&lt;Dialect&gt;/NNNN_name.sql</c>)
/// and refuses a database whose schema is newer than this build knows.
/// </summary>
public sealed class Migrator(MetadataDatabase database, TimeProvider timeProvider)
{
    public int LatestVersion => Migrations().Max(m => m.Version);

    /// <summary>The schema version of the database, 0 when it has none yet.</summary>
    public async Task<int> CurrentVersionAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var exists = database.Dialect switch
        {
            SqlDialect.Sqlite => await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'updraft_schema'") > 0,
            SqlDialect.MySql => await connection.ExecuteScalarAsync<long>(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'updraft_schema'") > 0,
            _ => await connection.ExecuteScalarAsync<bool>("SELECT to_regclass('updraft_schema') IS NOT NULL"),
        };
        return exists ? await connection.ExecuteScalarAsync<int?>("SELECT max(version) FROM updraft_schema") ?? 0 : 0;
    }

    /// <summary>
    /// Applies every pending migration, each in its own transaction; returns how many ran. MySQL commits each DDL
    /// statement by itself, so there a migration that fails half-way leaves its first statements applied.
    /// </summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var current = await CurrentVersionAsync(cancellationToken);
        EnsureNotNewer(current);
        var applied = 0;
        foreach (var migration in Migrations().Where(m => m.Version > current).OrderBy(m => m.Version))
        {
            await using var connection = await database.OpenAsync(cancellationToken);
            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
            var sql = database.Dialect == SqlDialect.MySql ? migration.Sql.Replace("{collation}", database.MySqlCollation, StringComparison.Ordinal) : migration.Sql;
            await connection.ExecuteAsync(sql, transaction: transaction);
            await connection.ExecuteAsync(
                "INSERT INTO updraft_schema (version, applied_at) VALUES (@Version, @At)",
                new { migration.Version, At = Micros.From(timeProvider.GetUtcNow()) },
                transaction);
            await transaction.CommitAsync(cancellationToken);
            applied++;
        }

        await new Stores.RoleStore(database).EnsureDefaultRolesAsync(cancellationToken);
        return applied;
    }

    /// <summary>Throws unless the database is at exactly the latest version.</summary>
    public async Task CheckAsync(CancellationToken cancellationToken = default)
    {
        var current = await CurrentVersionAsync(cancellationToken);
        EnsureNotNewer(current);
        if (current < LatestVersion)
        {
            throw new DatabaseException(
                $"The metadata database at {database.Description} is at schema version {current}, this Updraft needs {LatestVersion}; run 'updraft db migrate'.");
        }
    }

    /// <summary>Drops every Updraft table and migrates from scratch.</summary>
    public async Task ResetAsync(CancellationToken cancellationToken = default)
    {
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            var tables = new[]
            {
                "rendered_task_instance_fields", "dag_schedule_asset_alias_reference", "asset_alias_asset_event", "asset_alias_asset", "asset_alias", "asset_watcher", "hitl_detail", "dagrun_asset_event", "asset_dag_run_queue", "task_outlet_asset_reference", "dag_schedule_asset_reference", "asset_event", "asset", "triggers", "task_reschedule", "callback_request", "dag_parsing_request", "dag_warning", "backfill_dag_run", "backfill", "dag_tag", "dag_code", "updraft_user_role", "updraft_role_permission", "updraft_role", "updraft_user", "job", "log", "import_error", "slot_pool", "variable", "connection", "xcom", "task_instance_history",
                "task_instance", "dag_run", "dag", "serialized_dag", "updraft_schema",
            };
            if (database.Dialect == SqlDialect.MySql)
            {
                // Foreign keys checked off for this session only (every open turns them on again).
                await connection.ExecuteAsync("SET SESSION foreign_key_checks = 0; DROP TABLE IF EXISTS " + string.Join(", ", tables.Prepend("updraft_lock")) + "; SET SESSION foreign_key_checks = 1");
            }
            else
            {
                foreach (var table in tables)
                {
                    await connection.ExecuteAsync($"DROP TABLE IF EXISTS {table}");
                }
            }
        }

        await MigrateAsync(cancellationToken);
    }

    private void EnsureNotNewer(int current)
    {
        if (current > LatestVersion)
        {
            throw new DatabaseException(
                $"The metadata database at {database.Description} is at schema version {current}, newer than this Updraft knows ({LatestVersion}); upgrade Updraft.");
        }
    }

    private List<(int Version, string Sql)> Migrations()
    {
        var assembly = typeof(Migrator).Assembly;
        var prefix = database.Dialect + "/";
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(prefix, StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(n => (int.Parse(n[prefix.Length..].Split('_')[0], System.Globalization.CultureInfo.InvariantCulture), Read(assembly, n)))
            .ToList();
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
