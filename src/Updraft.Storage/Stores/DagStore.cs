using System.Security.Cryptography;
using System.Text;
using Dapper;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>DAGs in the metadata database: serialized versions, the dag table (paused, next run), import errors.</summary>
public sealed class DagStore(MetadataDatabase database) : IDagStore
{
    private static readonly Dictionary<string, string> DagSortable = new(StringComparer.Ordinal)
    {
        ["dag_id"] = "dag_id",
        ["fileloc"] = "fileloc",
        ["last_parsed_time"] = "last_parsed_time",
        ["next_dagrun"] = "next_dagrun",
        ["is_paused"] = "is_paused",
        ["next_dagrun_logical_date"] = "next_dagrun",
        ["owners"] = "owners",
        ["dag_display_name"] = "dag_id",
    };

    public async Task<Page<DagRecord>> QueryAsync(DagQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new ListSql("dag", DagSortable, "dag_id", "dag_id").In("dag_id", query.DagIds);
        if (query.DagIdPattern is { } pattern)
        {
            sql.Where(@"lower(dag_id) LIKE @value ESCAPE '!'", "%" + ListSql.EscapeLike(pattern.ToLowerInvariant()) + "%");
        }

        if (query.Paused is { } paused)
        {
            sql.Where("is_paused = @value", paused ? 1 : 0);
        }

        if (query.Active is { } active)
        {
            sql.Where("is_active = @value", active ? 1 : 0);
        }

        if (query.Tags is { Count: > 0 } tags)
        {
            const string HasTag = "EXISTS (SELECT 1 FROM dag_tag t WHERE t.dag_id = dag.dag_id AND t.name = @value)";
            if (query.AllTags)
            {
                foreach (var tag in tags.Distinct(StringComparer.Ordinal))
                {
                    sql.Where(HasTag, tag);
                }
            }
            else
            {
                sql.WhereAny(HasTag, tags);
            }
        }

        if (query.Owners is { Count: > 0 } owners)
        {
            // owners is stored as "a, b": match whole names.
            sql.WhereAny(@"(', ' || owners || ', ') LIKE @value ESCAPE '!'", [.. owners.Select(o => "%, " + ListSql.EscapeLike(o) + ", %")]);
        }

        if (query.LastRunStates is { Count: > 0 } states)
        {
            sql.In("(SELECT r.state FROM dag_run r WHERE r.dag_id = dag.dag_id ORDER BY r.logical_date DESC, r.id DESC LIMIT 1)", states, s => s.ToWireName());
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<DagRecord>(connection, SelectDagColumns, query.Page);
    }

    /// <summary>
    /// Records what the DAG processor found: a new serialized version for each DAG whose content changed, the
    /// dag rows (a new DAG starts paused as its serialized form says), the assets each DAG is scheduled on and
    /// updates, DAGs of
    /// processed files that are gone marked inactive, and import errors replaced for the processed files.
    /// </summary>
    public async Task SyncAsync(
        IReadOnlyCollection<SerializedDag> dags,
        IReadOnlyCollection<(string File, int Line, string Message)> importErrors,
        IReadOnlyCollection<string> processedFiles,
        TriggerKwargsCipher triggerKwargs,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dags);
        ArgumentNullException.ThrowIfNull(importErrors);
        ArgumentNullException.ThrowIfNull(processedFiles);
        ArgumentNullException.ThrowIfNull(triggerKwargs);
        var at = Micros.From(now);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var latest = (await connection.QueryAsync<(string DagId, int Version, string Hash)>(
                "SELECT s.dag_id, s.version, s.dag_hash FROM serialized_dag s JOIN dag d ON d.dag_id = s.dag_id AND d.latest_version = s.version",
                transaction: transaction))
            .ToDictionary(r => r.DagId, r => (r.Version, r.Hash), StringComparer.Ordinal);

        foreach (var dag in dags)
        {
            var json = DagSerializer.ToJson(dag);
            var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
            var version = latest.TryGetValue(dag.DagId, out var known) ? known.Version : 0;
            if (known.Hash != hash)
            {
                version++;
                await connection.ExecuteAsync(
                    "INSERT INTO serialized_dag (dag_id, version, dag_hash, fileloc, data, created_at) VALUES (@DagId, @Version, @Hash, @Fileloc, @Json, @At)",
                    new { dag.DagId, Version = version, Hash = hash, dag.Fileloc, Json = json, At = at },
                    transaction);
            }

            await connection.ExecuteAsync(
                """
                INSERT INTO dag (dag_id, is_paused, is_active, fileloc, owners, timetable_summary, latest_version, max_active_runs, max_active_tasks, last_parsed_time, description, has_task_concurrency_limits)
                VALUES (@DagId, @Paused, 1, @Fileloc, @Owners, @Summary, @Version, @MaxActiveRuns, @MaxActiveTasks, @At, @Description, @Limits)
                """ + database.Overwrite(
                    "dag_id", "is_active = 1", "fileloc", "owners", "timetable_summary", "latest_version", "max_active_runs", "max_active_tasks",
                    "last_parsed_time", "description", "has_task_concurrency_limits"),
                new
                {
                    dag.DagId,
                    Paused = dag.IsPausedUponCreation ? 1 : 0,
                    dag.Fileloc,
                    Owners = string.Join(", ", dag.Owners),
                    Summary = dag.TimetableSummary,
                    Version = version,
                    dag.MaxActiveRuns,
                    dag.MaxActiveTasks,
                    At = at,
                    dag.Description,
                    Limits = dag.Tasks.Any(t => t.MaxActiveTisPerDag is not null) ? 1 : 0,
                },
                transaction);
            await connection.ExecuteAsync("DELETE FROM dag_tag WHERE dag_id = @DagId", new { dag.DagId }, transaction);
            await connection.ExecuteAsync(
                "INSERT INTO dag_tag (dag_id, name) VALUES (@DagId, @Name)" + database.SkipExisting("name"),
                dag.Tags.Select(name => new { dag.DagId, Name = name }),
                transaction);
            await AssetStore.SyncReferencesAsync(connection, transaction, dag, triggerKwargs, at);
        }

        var found = dags.Select(d => d.DagId).ToHashSet(StringComparer.Ordinal);
        var files = processedFiles.ToList();
        var stale = (await connection.QueryAsync<string>(
                "SELECT dag_id FROM dag WHERE is_active = 1 AND fileloc IN " + InList(files.Count),
                Parameters(files),
                transaction))
            .Where(id => !found.Contains(id))
            .ToList();
        foreach (var dagId in stale)
        {
            await connection.ExecuteAsync("UPDATE dag SET is_active = 0 WHERE dag_id = @dagId", new { dagId }, transaction);
            await AssetStore.ForgetDagAsync(connection, transaction, dagId, deleted: false);
        }

        foreach (var file in files)
        {
            await connection.ExecuteAsync("DELETE FROM import_error WHERE filename = @file", new { file }, transaction);
        }

        foreach (var (file, line, message) in importErrors)
        {
            await connection.ExecuteAsync(
                "INSERT INTO import_error (filename, line, stack_trace, timestamp) VALUES (@file, @line, @message, @at)" + database.Overwrite("filename", "line", "stack_trace", "timestamp"),
                new { file, line, message, at },
                transaction);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Marks inactive every DAG whose file is not in <paramref name="existingFiles"/> (the file was deleted).</summary>
    public async Task DeactivateMissingFilesAsync(IReadOnlySet<string> existingFiles, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(existingFiles);
        await using var connection = await database.OpenAsync(cancellationToken);
        var active = await connection.QueryAsync<(string DagId, string Fileloc)>("SELECT dag_id, fileloc FROM dag WHERE is_active = 1");
        foreach (var (dagId, _) in active.Where(a => !existingFiles.Contains(a.Fileloc)))
        {
            await connection.ExecuteAsync("UPDATE dag SET is_active = 0 WHERE dag_id = @dagId", new { dagId });
            await AssetStore.ForgetDagAsync(connection, null, dagId, deleted: false);
        }

        var errors = await connection.QueryAsync<string>("SELECT filename FROM import_error");
        foreach (var file in errors.Where(f => !existingFiles.Contains(f)))
        {
            await connection.ExecuteAsync("DELETE FROM import_error WHERE filename = @file", new { file });
        }
    }

    public async Task<DagRecord?> GetAsync(string dagId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<DagRecord>($"{SelectDag} WHERE dag_id = @dagId", new { dagId });
    }

    /// <summary>Active, unpaused DAGs whose next run is due by <paramref name="now"/>.</summary>
    public async Task<IReadOnlyList<DagRecord>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<DagRecord>(
            $"{SelectDag} WHERE is_active = 1 AND is_paused = 0 AND next_dagrun_create_after <= @At ORDER BY next_dagrun_create_after",
            new { At = Micros.From(now) })).ToList();
    }

    /// <summary>The given DAGs' max active runs and max active tasks settings.</summary>
    public async Task<Dictionary<string, (int MaxActiveRuns, int MaxActiveTasks)>> LimitsAsync(IReadOnlyCollection<string> dagIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dagIds);
        var ids = dagIds.Distinct(StringComparer.Ordinal).ToList();
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string DagId, int Runs, int Tasks)>(
                "SELECT dag_id, max_active_runs, max_active_tasks FROM dag WHERE dag_id IN " + InList(ids.Count), Parameters(ids)))
            .ToDictionary(r => r.DagId, r => (r.Runs, r.Tasks), StringComparer.Ordinal);
    }

    public async Task<IReadOnlyList<DagRecord>> ListAsync(bool activeOnly = true, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<DagRecord>($"{SelectDag}{(activeOnly ? " WHERE is_active = 1" : "")} ORDER BY dag_id")).ToList();
    }

    /// <summary>The latest (or the given) serialized version of a DAG.</summary>
    public async Task<(SerializedDag Dag, int Version)?> GetSerializedAsync(string dagId, int? version = null, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string Data, int Version)?>(
            version is null
                ? "SELECT s.data, s.version FROM serialized_dag s JOIN dag d ON d.dag_id = s.dag_id AND d.latest_version = s.version WHERE s.dag_id = @dagId"
                : "SELECT data, version FROM serialized_dag WHERE dag_id = @dagId AND version = @version",
            new { dagId, version });
        return row is { } r ? (DagSerializer.FromJson(r.Data), r.Version) : null;
    }

    /// <summary>Pauses or unpauses; returns false when there is no such DAG.</summary>
    public async Task<bool> SetPausedAsync(string dagId, bool paused, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("UPDATE dag SET is_paused = @paused WHERE dag_id = @dagId", new { dagId, paused = paused ? 1 : 0 }) > 0;
    }

    public async Task SetNextRunAsync(string dagId, DagRunInfo? next, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE dag SET next_dagrun = @Logical, next_dagrun_data_interval_start = @Start, next_dagrun_data_interval_end = @End, next_dagrun_create_after = @After WHERE dag_id = @dagId",
            new
            {
                dagId,
                Logical = Micros.From(next?.LogicalDate),
                Start = Micros.From(next?.DataInterval.Start),
                End = Micros.From(next?.DataInterval.End),
                After = Micros.From(next?.RunAfter),
            });
    }

    public async Task<IReadOnlyList<(string Filename, int Line, string Message)>> ImportErrorsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, int, string)>("SELECT filename, line, stack_trace FROM import_error ORDER BY filename")).ToList();
    }

    public async Task<IReadOnlyList<(string Filename, int Line, string Message, DateTimeOffset Timestamp)>> ImportErrorsWithTimesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, int, string, long)>("SELECT filename, line, stack_trace, timestamp FROM import_error ORDER BY filename"))
            .Select(e => (e.Item1, e.Item2, e.Item3, Micros.To(e.Item4)))
            .ToList();
    }

    public async Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> TagsAsync(IReadOnlyCollection<string> dagIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dagIds);
        if (dagIds.Count == 0)
        {
            return new Dictionary<string, IReadOnlyList<string>>(StringComparer.Ordinal);
        }

        var list = dagIds.ToList();
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string DagId, string Name)>("SELECT dag_id, name FROM dag_tag WHERE dag_id IN " + InList(list.Count) + " ORDER BY name", Parameters(list)))
            .GroupBy(t => t.DagId, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(t => t.Name)], StringComparer.Ordinal);
    }

    public async Task<Page<string>> TagNamesAsync(string? pattern, IReadOnlyCollection<string>? dagIds, PageRequest page, CancellationToken cancellationToken = default)
    {
        var sql = new ListSql("(SELECT DISTINCT name FROM dag_tag) tags", TagSortable, "name", "name");
        if (dagIds is not null)
        {
            sql.WhereAny("EXISTS (SELECT 1 FROM dag_tag t WHERE t.name = tags.name AND t.dag_id = @value)", dagIds);
        }

        if (pattern is not null)
        {
            sql.Where(@"lower(name) LIKE @value ESCAPE '!'", "%" + ListSql.EscapeLike(pattern.ToLowerInvariant()) + "%");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<string>(connection, "SELECT name", page);
    }

    public async Task<IReadOnlyList<(string DagId, string State, int Count)>> RunCountsAsync(IReadOnlyCollection<string>? dagIds, CancellationToken cancellationToken = default)
    {
        var list = dagIds?.ToList();
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, string, int)>(
            "SELECT dag_id, state, count(*) FROM dag_run" + (list is null ? "" : " WHERE dag_id IN " + InList(list.Count)) + " GROUP BY dag_id, state",
            list is null ? null : Parameters(list))).ToList();
    }

    private static readonly Dictionary<string, string> TagSortable = new(StringComparer.Ordinal) { ["name"] = "name" };

    public async Task<IReadOnlyList<(string DagId, int Version, DateTimeOffset CreatedAt)>> VersionsAsync(IReadOnlyCollection<string> dagIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dagIds);
        if (dagIds.Count == 0)
        {
            return [];
        }

        var list = dagIds.ToList();
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, int, long)>("SELECT dag_id, version, created_at FROM serialized_dag WHERE dag_id IN " + InList(list.Count), Parameters(list)))
            .Select(v => (v.Item1, v.Item2, Micros.To(v.Item3)))
            .ToList();
    }

    public async Task<IReadOnlyList<(int Version, DateTimeOffset CreatedAt)>> VersionsAsync(string dagId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(int, long)>("SELECT version, created_at FROM serialized_dag WHERE dag_id = @dagId ORDER BY version", new { dagId }))
            .Select(v => (v.Item1, Micros.To(v.Item2)))
            .ToList();
    }

    /// <summary>Deletes a DAG and everything recorded about it; returns false when there is no such DAG.</summary>
    public async Task<bool> DeleteAsync(string dagId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // backfill_dag_run rows go with their backfill (ON DELETE CASCADE is not enforced by SQLite without foreign_keys on).
        await connection.ExecuteAsync("DELETE FROM backfill_dag_run WHERE backfill_id IN (SELECT id FROM backfill WHERE dag_id = @dagId)", new { dagId }, transaction);
        foreach (var table in new[] { "xcom", "rendered_task_instance_fields", "task_instance_history", "task_instance", "dag_run", "serialized_dag", "dag_tag", "backfill", "dag_warning" })
        {
            await connection.ExecuteAsync($"DELETE FROM {table} WHERE dag_id = @dagId", new { dagId }, transaction);
        }

        await AssetStore.ForgetDagAsync(connection, transaction, dagId, deleted: true);
        var deleted = await connection.ExecuteAsync("DELETE FROM dag WHERE dag_id = @dagId", new { dagId }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return deleted > 0;
    }

    private const string SelectDag = SelectDagColumns + " FROM dag";

    private const string SelectDagColumns =
        """
        SELECT dag_id AS DagId, is_paused AS IsPaused, is_active AS IsActive, fileloc AS Fileloc, owners AS Owners,
               timetable_summary AS TimetableSummary, latest_version AS LatestVersion, max_active_runs AS MaxActiveRuns,
               max_active_tasks AS MaxActiveTasks, last_parsed_time AS LastParsedTime, next_dagrun AS NextDagrun,
               next_dagrun_data_interval_start AS NextDagrunDataIntervalStart, next_dagrun_data_interval_end AS NextDagrunDataIntervalEnd,
               next_dagrun_create_after AS NextDagrunCreateAfter, description AS Description,
               has_task_concurrency_limits AS HasTaskConcurrencyLimits
        """;

    internal static string InList(int count) => count == 0 ? "(NULL)" : "(" + string.Join(", ", Enumerable.Range(0, count).Select(i => $"@p{i}")) + ")";

    internal static DynamicParameters Parameters(IReadOnlyList<string> values)
    {
        var parameters = new DynamicParameters();
        for (var i = 0; i < values.Count; i++)
        {
            parameters.Add($"p{i}", values[i]);
        }

        return parameters;
    }
}
