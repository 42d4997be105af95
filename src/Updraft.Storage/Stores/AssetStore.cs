using System.Data.Common;
using System.Text.Json.Nodes;
using Dapper;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Core.Serialization;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>
/// Assets, their events and the queue of DAGs they start (Airflow 3's asset manager and tables): the DAG processor
/// records which DAGs are scheduled on which assets and which tasks update them; an event (a task's success, or one
/// posted through the API) queues every unpaused DAG scheduled on its asset; the scheduler creates an asset-triggered
/// run of a DAG whose condition holds, linked to the events it consumed, and empties its queue — one transaction.
/// </summary>
public sealed class AssetStore(MetadataDatabase database)
{
    internal const string AssetColumns =
        "a.id AS Id, a.name AS Name, a.uri AS Uri, a.asset_group AS AssetGroup, a.extra AS Extra, a.created_at AS CreatedAtMicros, a.updated_at AS UpdatedAtMicros";

    private const string EventColumns =
        "e.id AS Id, e.asset_id AS AssetId, a.name AS Name, a.uri AS Uri, a.asset_group AS AssetGroup, e.extra AS Extra, e.source_dag_id AS SourceDagId, " +
        "e.source_task_id AS SourceTaskId, e.source_run_id AS SourceRunId, e.source_map_index AS SourceMapIndex, e.timestamp AS TimestampMicros";

    /// <summary>
    /// In the DAG processor's transaction: the assets <paramref name="dag"/> is scheduled on and its tasks update (each
    /// asset created, or its URI and group brought up to date), and the DAG's references replaced by these.
    /// </summary>
    internal static async Task SyncReferencesAsync(DbConnection connection, DbTransaction transaction, SerializedDag dag, TriggerKwargsCipher kwargs, long at)
    {
        var condition = dag.AssetExpression is { } expression ? Core.Assets.AssetCondition.FromExpression(expression) : null;
        var scheduled = condition?.Assets.Select(SerializedAsset.From).ToList() ?? [];
        var produced = dag.Tasks.SelectMany(t => (t.Outlets ?? []).Select(a => (Task: t.TaskId, Asset: a))).ToList();
        await connection.ExecuteAsync("DELETE FROM dag_schedule_asset_reference WHERE dag_id = @DagId", new { dag.DagId }, transaction);
        await connection.ExecuteAsync("DELETE FROM task_outlet_asset_reference WHERE dag_id = @DagId", new { dag.DagId }, transaction);
        await SyncAliasesAsync(
            connection,
            transaction,
            dag.DagId,
            condition?.Aliases.Select(SerializedAssetAlias.From).ToList() ?? [],
            dag.Tasks.SelectMany(t => t.OutletAliases ?? []).ToList(),
            at);
        if (scheduled.Count == 0 && produced.Count == 0)
        {
            await SyncWatchersAsync(connection, transaction, dag, kwargs, at);
            return;
        }

        var mySql = MetadataDatabase.IsMySql(connection);
        foreach (var asset in scheduled.Concat(produced.Select(p => p.Asset)).DistinctBy(a => a.Name))
        {
            await connection.ExecuteAsync(
                "INSERT INTO asset (name, uri, asset_group, extra, created_at, updated_at) VALUES (@Name, @Uri, @Group, '{}', @at, @at) " + (mySql
                    // updated_at first: MySQL assigns left to right and it compares the old uri and group.
                    ? "ON DUPLICATE KEY UPDATE updated_at = CASE WHEN uri <> VALUES(uri) OR asset_group <> VALUES(asset_group) THEN VALUES(updated_at) ELSE updated_at END, " +
                      "uri = VALUES(uri), asset_group = VALUES(asset_group)"
                    : """
                      ON CONFLICT (name) DO UPDATE SET uri = excluded.uri, asset_group = excluded.asset_group, updated_at = excluded.updated_at
                      WHERE asset.uri <> excluded.uri OR asset.asset_group <> excluded.asset_group
                      """),
                new { asset.Name, asset.Uri, asset.Group, at },
                transaction);
        }

        await connection.ExecuteAsync(
            "INSERT INTO dag_schedule_asset_reference (asset_id, dag_id, created_at, updated_at) SELECT id, @DagId, @at, @at FROM asset WHERE name = @Name" + PortableSql.SkipExisting(mySql, "dag_id"),
            scheduled.Select(a => new { dag.DagId, a.Name, at }),
            transaction);
        await connection.ExecuteAsync(
            "INSERT INTO task_outlet_asset_reference (asset_id, dag_id, task_id, created_at, updated_at) SELECT id, @DagId, @Task, @at, @at FROM asset WHERE name = @Name" + PortableSql.SkipExisting(mySql, "dag_id"),
            produced.Select(p => new { dag.DagId, p.Task, p.Asset.Name, at }),
            transaction);
        await SyncWatchersAsync(connection, transaction, dag, kwargs, at);
    }

    /// <summary>The aliases a DAG is scheduled on (its references replaced by these) and those its tasks add assets to, each created when new.</summary>
    private static async Task SyncAliasesAsync(
        DbConnection connection,
        DbTransaction transaction,
        string dagId,
        List<SerializedAssetAlias> scheduled,
        List<SerializedAssetAlias> produced,
        long at)
    {
        await connection.ExecuteAsync("DELETE FROM dag_schedule_asset_alias_reference WHERE dag_id = @dagId", new { dagId }, transaction);
        foreach (var alias in scheduled.Concat(produced).DistinctBy(a => a.Name).OrderBy(a => a.Name, StringComparer.Ordinal))
        {
            await UpsertAliasAsync(connection, transaction, alias.Name, alias.Group);
        }

        await connection.ExecuteAsync(
            "INSERT INTO dag_schedule_asset_alias_reference (alias_id, dag_id, created_at, updated_at) SELECT id, @dagId, @at, @at FROM asset_alias WHERE name = @Name" +
            PortableSql.SkipExisting(MetadataDatabase.IsMySql(connection), "dag_id"),
            scheduled.Select(a => new { dagId, a.Name, at }),
            transaction);
    }

    private static Task<long> UpsertAliasAsync(DbConnection connection, DbTransaction transaction, string name, string group) =>
        connection.ExecuteScalarAsync<long>(
            MetadataDatabase.IsMySql(connection)
                // LAST_INSERT_ID(id) makes the existing row's id the one SELECT LAST_INSERT_ID() returns.
                ? "INSERT INTO asset_alias (name, alias_group) VALUES (@name, @group) ON DUPLICATE KEY UPDATE alias_group = VALUES(alias_group), id = LAST_INSERT_ID(id); SELECT LAST_INSERT_ID()"
                : "INSERT INTO asset_alias (name, alias_group) VALUES (@name, @group) ON CONFLICT (name) DO UPDATE SET alias_group = excluded.alias_group RETURNING id",
            new { name, group },
            transaction);

    /// <summary>
    /// A DAG that is gone (its file deleted, the DAG no longer in it, or deleted through the API) watches nothing: its
    /// asset watchers and their triggers go, with its queue. With <paramref name="deleted"/>, its asset references and
    /// human-in-the-loop questions go too.
    /// </summary>
    internal static async Task ForgetDagAsync(DbConnection connection, DbTransaction? transaction, string dagId, bool deleted)
    {
        await connection.ExecuteAsync("DELETE FROM triggers WHERE id IN (SELECT trigger_id FROM asset_watcher WHERE dag_id = @dagId)", new { dagId }, transaction);
        await connection.ExecuteAsync("DELETE FROM asset_watcher WHERE dag_id = @dagId", new { dagId }, transaction);
        await connection.ExecuteAsync("DELETE FROM asset_dag_run_queue WHERE target_dag_id = @dagId", new { dagId }, transaction);
        if (deleted)
        {
            foreach (var table in new[] { "dag_schedule_asset_reference", "dag_schedule_asset_alias_reference", "task_outlet_asset_reference", "hitl_detail" })
            {
                await connection.ExecuteAsync($"DELETE FROM {table} WHERE dag_id = @dagId", new { dagId }, transaction);
            }
        }
    }

    /// <summary>
    /// The watchers the DAG declares, each with its trigger for the triggerer: a watcher whose trigger is unchanged keeps
    /// it (and the triggerer running it); a changed or undeclared one has its trigger replaced or removed. The stored
    /// arguments are encrypted with <paramref name="kwargs"/> (a new token each time): a watcher is unchanged when
    /// they decrypt to its arguments. One that no key decrypts counts as changed, so its trigger is stored again.
    /// </summary>
    private static async Task SyncWatchersAsync(DbConnection connection, DbTransaction transaction, SerializedDag dag, TriggerKwargsCipher kwargs, long at)
    {
        var declared = dag.AssetWatchers ?? [];
        var existing = (await connection.QueryAsync<(long AssetId, string Asset, string Name, long TriggerId, string? Classpath, string? Kwargs)>(
                "SELECT w.asset_id, a.name, w.name, w.trigger_id, t.classpath, t.kwargs FROM asset_watcher w JOIN asset a ON a.id = w.asset_id " +
                "LEFT JOIN triggers t ON t.id = w.trigger_id WHERE w.dag_id = @DagId",
                new { dag.DagId },
                transaction))
            .Select(e => e with { Kwargs = e.Kwargs is null ? null : kwargs.TryDecrypt(e.Kwargs) })
            .ToList();
        bool Same(SerializedAssetWatcher d, (long, string Asset, string Name, long, string? Classpath, string? Kwargs) e) =>
            d.Asset == e.Asset && d.Name == e.Name && d.Classpath == e.Classpath && d.Kwargs == e.Kwargs;
        foreach (var old in existing.Where(e => !declared.Any(d => Same(d, e))))
        {
            await connection.ExecuteAsync("DELETE FROM asset_watcher WHERE asset_id = @AssetId AND name = @Name", new { old.AssetId, old.Name }, transaction);
            await connection.ExecuteAsync("DELETE FROM triggers WHERE id = @TriggerId", new { old.TriggerId }, transaction);
        }

        foreach (var watcher in declared.Where(d => !existing.Any(e => Same(d, e))))
        {
            var triggerId = await connection.ExecuteScalarAsync<long>(
                PortableSql.ReturningId(connection, "INSERT INTO triggers (classpath, kwargs, created_date) VALUES (@Classpath, @Kwargs, @at)"), new { watcher.Classpath, Kwargs = kwargs.Encrypt(watcher.Kwargs), at }, transaction);
            if (await connection.ExecuteScalarAsync<long?>(
                    "SELECT w.trigger_id FROM asset_watcher w JOIN asset a ON a.id = w.asset_id WHERE a.name = @Asset AND w.name = @Name", new { watcher.Asset, watcher.Name }, transaction)
                is { } previous)
            {
                // Another DAG declared the same watcher of the asset: the latest declaration runs.
                await connection.ExecuteAsync("DELETE FROM triggers WHERE id = @previous", new { previous }, transaction);
            }

            await connection.ExecuteAsync(
                "INSERT INTO asset_watcher (asset_id, name, dag_id, trigger_id) SELECT id, @Name, @DagId, @triggerId FROM asset WHERE name = @Asset" +
                PortableSql.Overwrite(MetadataDatabase.IsMySql(connection), "asset_id, name", "dag_id", "trigger_id"),
                new { watcher.Name, dag.DagId, triggerId, watcher.Asset },
                transaction);
        }
    }

    /// <summary>
    /// Records one event per asset in <paramref name="extras"/> (by asset name, each with its extra data), from
    /// <paramref name="source"/> when a task produced them, and queues every unpaused DAG scheduled on each asset.
    /// Returns the events recorded; an asset name that is not known records nothing (its name is in <c>Unknown</c>).
    /// </summary>
    public async Task<(IReadOnlyList<AssetEventRecord> Events, IReadOnlyList<string> Unknown)> RecordEventsAsync(
        IReadOnlyDictionary<string, JsonObject> extras,
        AssetEventSource? source,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extras);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var result = await RecordAsync(connection, transaction, extras, source, Micros.From(now));
        await transaction.CommitAsync(cancellationToken);
        if (result.Events.Count > 0)
        {
            database.WakeSchedulers();
        }

        return result;
    }

    /// <summary><see cref="RecordEventsAsync"/> in the caller's transaction (a try's success records its outlets' events with its end).</summary>
    internal static async Task<(IReadOnlyList<AssetEventRecord> Events, IReadOnlyList<string> Unknown)> RecordAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyDictionary<string, JsonObject> extras,
        AssetEventSource? source,
        long at)
    {
        var recorded = new List<AssetEventRecord>();
        var unknown = new List<string>();
        foreach (var (name, extra) in extras)
        {
            var assetId = await connection.ExecuteScalarAsync<long?>("SELECT id FROM asset WHERE name = @name", new { name }, transaction);
            if (assetId is not { } id)
            {
                unknown.Add(name);
                continue;
            }

            recorded.Add(await InsertEventAsync(connection, transaction, id, extra, source, at));
        }

        return (recorded, unknown);
    }

    /// <summary>
    /// In the caller's transaction (a try's success): for each asset a task added to one of its outlet aliases, the
    /// asset (created when new), its joining the alias, and its event — recorded through the alias, so DAGs scheduled
    /// on the alias are queued with those scheduled on the asset.
    /// </summary>
    internal static async Task<IReadOnlyList<AssetEventRecord>> RecordAliasEventsAsync(
        DbConnection connection,
        DbTransaction transaction,
        IReadOnlyList<AliasAssetEvent> events,
        AssetEventSource? source,
        long at)
    {
        var recorded = new List<AssetEventRecord>();

        // Rows are created (never updated: the DAG processor keeps an alias's group) in name order, so two batches of
        // successes lock them in one order.
        foreach (var added in events.OrderBy(e => e.Alias, StringComparer.Ordinal).ThenBy(e => e.Asset.Name, StringComparer.Ordinal))
        {
            await connection.ExecuteAsync(
                "INSERT INTO asset_alias (name, alias_group) VALUES (@Alias, @AliasGroup)" + PortableSql.SkipExisting(MetadataDatabase.IsMySql(connection), "name"), new { added.Alias, added.AliasGroup }, transaction);
            var aliasId = await connection.ExecuteScalarAsync<long>("SELECT id FROM asset_alias WHERE name = @Alias", new { added.Alias }, transaction);
            await connection.ExecuteAsync(
                "INSERT INTO asset (name, uri, asset_group, extra, created_at, updated_at) VALUES (@Name, @Uri, @Group, '{}', @at, @at)" + PortableSql.SkipExisting(MetadataDatabase.IsMySql(connection), "name"),
                new { added.Asset.Name, added.Asset.Uri, added.Asset.Group, at },
                transaction);
            var assetId = await connection.ExecuteScalarAsync<long>("SELECT id FROM asset WHERE name = @Name", new { added.Asset.Name }, transaction);
            await connection.ExecuteAsync(
                "INSERT INTO asset_alias_asset (alias_id, asset_id) VALUES (@aliasId, @assetId)" + PortableSql.SkipExisting(MetadataDatabase.IsMySql(connection), "alias_id"), new { aliasId, assetId }, transaction);
            var recordedEvent = await InsertEventAsync(connection, transaction, assetId, added.Extra, source, at);
            await connection.ExecuteAsync(
                "INSERT INTO asset_alias_asset_event (alias_id, event_id) VALUES (@aliasId, @Id)" + PortableSql.SkipExisting(MetadataDatabase.IsMySql(connection), "alias_id"), new { aliasId, recordedEvent.Id }, transaction);
            recorded.Add(recordedEvent);
        }

        return recorded;
    }

    /// <summary>Records an event of asset <paramref name="assetId"/> posted from outside (the REST API, the CLI); null when there is no such asset.</summary>
    public async Task<AssetEventRecord?> RecordEventAsync(long assetId, JsonObject extra, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(extra);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (await connection.ExecuteScalarAsync<long?>("SELECT id FROM asset WHERE id = @assetId", new { assetId }, transaction) is null)
        {
            return null;
        }

        var recorded = await InsertEventAsync(connection, transaction, assetId, extra, null, Micros.From(now));
        await transaction.CommitAsync(cancellationToken);
        database.WakeSchedulers();
        return recorded;
    }

    private static async Task<AssetEventRecord> InsertEventAsync(DbConnection connection, DbTransaction transaction, long assetId, JsonObject extra, AssetEventSource? source, long at)
    {
        var eventId = await connection.ExecuteScalarAsync<long>(
            PortableSql.ReturningId(
                connection,
                "INSERT INTO asset_event (asset_id, extra, source_dag_id, source_task_id, source_run_id, source_map_index, timestamp) " +
                "VALUES (@assetId, @Extra, @DagId, @TaskId, @RunId, @MapIndex, @at)"),
            new { assetId, Extra = extra.ToJsonString(), source?.DagId, source?.TaskId, source?.RunId, MapIndex = source?.MapIndex ?? -1, at },
            transaction);

        // As Airflow: paused DAGs are not queued, and a DAG already queued on the asset keeps its first time.
        var queued = await connection.ExecuteAsync(
            """
            INSERT INTO asset_dag_run_queue (asset_id, target_dag_id, created_at)
            SELECT DISTINCT @assetId, d.dag_id, @at FROM dag d
            WHERE d.is_paused = 0 AND d.is_active = 1 AND (
                d.dag_id IN (SELECT r.dag_id FROM dag_schedule_asset_reference r WHERE r.asset_id = @assetId)
                OR d.dag_id IN (SELECT ar.dag_id FROM dag_schedule_asset_alias_reference ar JOIN asset_alias_asset aa ON aa.alias_id = ar.alias_id WHERE aa.asset_id = @assetId))
            """ + PortableSql.SkipExisting(MetadataDatabase.IsMySql(connection), "target_dag_id"),
            new { assetId, at },
            transaction);
        if (queued > 0 && connection is Npgsql.NpgsqlConnection)
        {
            // Schedulers in other processes look at once (delivered when the transaction commits).
            await connection.ExecuteAsync(MetadataDatabase.NotifySchedulersStatement, transaction: transaction);
        }
        return await connection.QuerySingleAsync<AssetEventRecord>(
            $"SELECT {EventColumns} FROM asset_event e JOIN asset a ON a.id = e.asset_id WHERE e.id = @eventId", new { eventId }, transaction);
    }

    /// <summary>The queue: for each DAG, the names of the assets updated since it last ran on them, and the latest queuing time.</summary>
    public async Task<IReadOnlyList<QueuedAssets>> QueuedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string DagId, string Name, long CreatedAt)>(
            "SELECT q.target_dag_id, a.name, q.created_at FROM asset_dag_run_queue q JOIN asset a ON a.id = q.asset_id");
        var aliases = (await connection.QueryAsync<(string DagId, string Alias)>(QueuedAliasesSql(""))).ToLookup(r => r.DagId, r => r.Alias, StringComparer.Ordinal);
        return [.. rows.GroupBy(r => r.DagId, StringComparer.Ordinal)
            .Select(g => new QueuedAssets(g.Key, g.Select(r => r.Name).ToHashSet(StringComparer.Ordinal), Micros.To(g.Max(r => r.CreatedAt)))
            {
                AliasNames = aliases[g.Key].ToHashSet(StringComparer.Ordinal),
            })];
    }

    /// <summary>For each DAG's queue: the aliases it is scheduled on that a queued asset joined (an alias updated).</summary>
    private static string QueuedAliasesSql(string where) =>
        "SELECT DISTINCT q.target_dag_id, al.name FROM asset_dag_run_queue q JOIN asset_alias_asset aa ON aa.asset_id = q.asset_id " +
        "JOIN asset_alias al ON al.id = aa.alias_id JOIN dag_schedule_asset_alias_reference r ON r.alias_id = al.id AND r.dag_id = q.target_dag_id" + where;

    /// <summary>Empties a DAG's queue (it is no longer scheduled on assets).</summary>
    public async Task<int> DequeueAsync(string dagId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM asset_dag_run_queue WHERE target_dag_id = @dagId", new { dagId });
    }

    /// <summary>
    /// Creates the asset-triggered run of a DAG when its condition (<paramref name="ready"/>, given the names of the
    /// assets queued for it and of the aliases they joined) holds over its queue as read under lock — queued, as Airflow 3, its logical date and data
    /// interval at the latest queuing time — linked to every event of the DAG's assets since the events its previous
    /// runs consumed, and empties the queue rows it read: one transaction. Null when the condition does not hold
    /// (another scheduler created the run, or the queue changed).
    /// </summary>
    public async Task<DagRunRecord?> CreateTriggeredRunAsync(
        SerializedDag dag,
        int dagVersion,
        Func<IReadOnlySet<string>, IReadOnlySet<string>, bool> ready,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(ready);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // The DAG's queue rows, locked on PostgreSQL: a second scheduler waits, then finds them gone.
        // MariaDB has no FOR UPDATE OF: there the assets' rows are locked too.
        var lockRows = database.Dialect switch { SqlDialect.Postgres => " FOR UPDATE OF q", SqlDialect.MySql => " FOR UPDATE", _ => "" };
        var queue = (await connection.QueryAsync<(long AssetId, string Name, long CreatedAt)>(
            $"SELECT q.asset_id, a.name, q.created_at FROM asset_dag_run_queue q JOIN asset a ON a.id = q.asset_id WHERE q.target_dag_id = @DagId{lockRows}",
            new { dag.DagId },
            transaction)).ToList();
        var aliases = queue.Count == 0
            ? []
            : (await connection.QueryAsync<(string DagId, string Alias)>(QueuedAliasesSql(" WHERE q.target_dag_id = @DagId"), new { dag.DagId }, transaction))
                .Select(r => r.Alias).ToHashSet(StringComparer.Ordinal);
        if (queue.Count == 0 || !ready(queue.Select(q => q.Name).ToHashSet(StringComparer.Ordinal), aliases))
        {
            return null;
        }

        var triggeredAt = Micros.To(queue.Max(q => q.CreatedAt));
        var runId = $"asset_triggered__{Iso.Format(triggeredAt)}_{RandomSuffix()}";
        var info = new DagRunInfo(triggeredAt, new DataInterval(triggeredAt, triggeredAt));
        var id = await DagRunStore.InsertRunAsync(connection, transaction, dag, dagVersion, runId, DagRunType.DatasetTriggered, info, null, DagRunState.Queued, now, backfillId: null);
        if (id is null)
        {
            return null;
        }

        var queuedList = string.Join(", ", queue.Select((_, i) => $"@q{i}"));
        // Every event of its assets not yet consumed by an earlier run of the DAG, up to now: an event that came
        // while this was decided is consumed here, never dropped with the queue row it did not add.
        await connection.ExecuteAsync(
            $"""
            INSERT INTO dagrun_asset_event (dag_run_id, event_id)
            SELECT @id, e.id FROM asset_event e
            WHERE (e.asset_id IN (SELECT r.asset_id FROM dag_schedule_asset_reference r WHERE r.dag_id = @DagId)
                   OR e.asset_id IN (SELECT aa.asset_id FROM dag_schedule_asset_alias_reference ar JOIN asset_alias_asset aa ON aa.alias_id = ar.alias_id WHERE ar.dag_id = @DagId))
              AND (e.timestamp <= @At OR e.asset_id IN ({queuedList}))
              AND e.timestamp > coalesce(
                (SELECT max(e2.timestamp) FROM dagrun_asset_event l JOIN dag_run dr ON dr.id = l.dag_run_id JOIN asset_event e2 ON e2.id = l.event_id
                 WHERE dr.dag_id = @DagId AND dr.id <> @id), -1)
            """,
            // Every event of an asset whose queue row this run takes, whenever it came: the row is deleted below, so
            // an event after the scheduler's clock (recorded between its reading the clock and the queue) would
            // otherwise be left unconsumed, queuing nothing. Other assets' events up to now.
            Consumed(id.Value, dag.DagId, Micros.From(now > triggeredAt ? now : triggeredAt), queue.Select(q => q.AssetId)),
            transaction);
        await connection.ExecuteAsync(
            "DELETE FROM asset_dag_run_queue WHERE target_dag_id = @DagId AND asset_id = @AssetId",
            queue.Select(q => new { dag.DagId, q.AssetId }),
            transaction);
        var run = await connection.QuerySingleAsync<DagRunRecord>($"SELECT {DagRunStore.RunColumns} FROM dag_run WHERE id = @id", new { id }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return run;
    }

    private static DynamicParameters Consumed(long id, string dagId, long at, IEnumerable<long> queuedAssets)
    {
        var parameters = new DynamicParameters(new { id, DagId = dagId, At = at });
        var i = 0;
        foreach (var asset in queuedAssets)
        {
            parameters.Add($"q{i++}", asset);
        }

        return parameters;
    }

    /// <summary>Assets, filtered and paged as the REST API asks.</summary>
    public async Task<Page<AssetRecord>> QueryAsync(AssetQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new Queries.ListSql("asset a", Sortable, "id", "id");
        if (query.NamePattern is { } name)
        {
            sql.Where(@"lower(a.name) LIKE @value ESCAPE '!'", "%" + Queries.ListSql.EscapeLike(name.ToLowerInvariant()) + "%");
        }

        if (query.UriPattern is { } uri)
        {
            sql.Where(@"lower(a.uri) LIKE @value ESCAPE '!'", "%" + Queries.ListSql.EscapeLike(uri.ToLowerInvariant()) + "%");
        }

        if (query.DagIds is { Count: > 0 } dagIds)
        {
            sql.WhereAny(
                "(a.id IN (SELECT asset_id FROM dag_schedule_asset_reference WHERE dag_id = @value) OR a.id IN (SELECT asset_id FROM task_outlet_asset_reference WHERE dag_id = @value))",
                dagIds);
        }

        if (query.OnlyActive)
        {
            // Active: some DAG is scheduled on it or updates it (Airflow's asset_active, kept by its DAG references).
            // An asset that joined an alias is active as the alias's DAGs are scheduled on it.
            sql.Where(
                "(a.id IN (SELECT asset_id FROM dag_schedule_asset_reference) OR a.id IN (SELECT asset_id FROM task_outlet_asset_reference) " +
                "OR a.id IN (SELECT asset_id FROM asset_alias_asset)) AND @value = 1",
                1);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<AssetRecord>(connection, $"SELECT {AssetColumns}", query.Page);
    }

    /// <summary>One asset by id, or null.</summary>
    public async Task<AssetRecord?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<AssetRecord>($"SELECT {AssetColumns} FROM asset a WHERE a.id = @id", new { id });
    }

    /// <summary>One asset by name, or null.</summary>
    public async Task<AssetRecord?> GetByNameAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<AssetRecord>($"SELECT {AssetColumns} FROM asset a WHERE a.name = @name", new { name });
    }

    /// <summary>Assets by URI (several may share one).</summary>
    public async Task<IReadOnlyList<AssetRecord>> GetByUriAsync(string uri, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<AssetRecord>($"SELECT {AssetColumns} FROM asset a WHERE a.uri = @uri ORDER BY a.id", new { uri })];
    }

    /// <summary>For assets <paramref name="ids"/>: the DAGs scheduled on each, the tasks updating each, and each one's latest event.</summary>
    public async Task<AssetRelations> RelationsAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return new([], [], new Dictionary<long, (long, DateTimeOffset)>());
        }

        var list = string.Join(", ", ids.Select((_, i) => $"@i{i}"));
        var parameters = new DynamicParameters();
        var n = 0;
        foreach (var id in ids)
        {
            parameters.Add($"i{n++}", id);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var scheduled = await connection.QueryAsync<(long AssetId, string DagId, long CreatedAt, long UpdatedAt)>(
            $"SELECT asset_id, dag_id, created_at, updated_at FROM dag_schedule_asset_reference WHERE asset_id IN ({list}) ORDER BY dag_id", parameters);
        var producing = await connection.QueryAsync<(long AssetId, string DagId, string TaskId, long CreatedAt, long UpdatedAt)>(
            $"SELECT asset_id, dag_id, task_id, created_at, updated_at FROM task_outlet_asset_reference WHERE asset_id IN ({list}) ORDER BY dag_id, task_id", parameters);
        var latest = await connection.QueryAsync<(long AssetId, long Id, long Timestamp)>(
            $"""
            SELECT e.asset_id, e.id, e.timestamp FROM asset_event e
            WHERE e.asset_id IN ({list}) AND e.id = (SELECT e2.id FROM asset_event e2 WHERE e2.asset_id = e.asset_id ORDER BY e2.timestamp DESC, e2.id DESC LIMIT 1)
            """,
            parameters);
        return new(
            [.. scheduled.Select(s => new AssetDagReference(s.AssetId, s.DagId, null, Micros.To(s.CreatedAt), Micros.To(s.UpdatedAt)))],
            [.. producing.Select(p => new AssetDagReference(p.AssetId, p.DagId, p.TaskId, Micros.To(p.CreatedAt), Micros.To(p.UpdatedAt)))],
            latest.ToDictionary(l => l.AssetId, l => (l.Id, Micros.To(l.Timestamp))));
    }

    /// <summary>
    /// Queued asset events (the queue of asset-triggered runs): of one asset, of one DAG, or of one asset for one
    /// DAG, queued before <paramref name="before"/> when given, of the DAGs in <paramref name="onlyDags"/> when given.
    /// </summary>
    public async Task<IReadOnlyList<QueuedAssetEvent>> QueuedEventsAsync(
        long? assetId, string? dagId, DateTimeOffset? before, IReadOnlySet<string>? onlyDags = null, CancellationToken cancellationToken = default)
    {
        var (where, parameters) = QueueFilter(assetId, dagId, before, onlyDags);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string DagId, long AssetId, long CreatedAt)>(
            $"SELECT q.target_dag_id, q.asset_id, q.created_at FROM asset_dag_run_queue q WHERE {where} ORDER BY q.target_dag_id, q.asset_id", parameters);
        return [.. rows.Select(r => new QueuedAssetEvent(r.DagId, r.AssetId, Micros.To(r.CreatedAt)))];
    }

    /// <summary>Empties the queue rows <see cref="QueuedEventsAsync"/> would list; returns how many went.</summary>
    public async Task<int> DeleteQueuedEventsAsync(
        long? assetId, string? dagId, DateTimeOffset? before, IReadOnlySet<string>? onlyDags = null, CancellationToken cancellationToken = default)
    {
        var (where, parameters) = QueueFilter(assetId, dagId, before, onlyDags);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync($"DELETE FROM asset_dag_run_queue WHERE {where.Replace("q.", "", StringComparison.Ordinal)}", parameters);
    }

    private static (string Where, DynamicParameters Parameters) QueueFilter(long? assetId, string? dagId, DateTimeOffset? before, IReadOnlySet<string>? onlyDags)
    {
        var clauses = new List<string> { "1 = 1" };
        var parameters = new DynamicParameters();
        if (assetId is { } asset)
        {
            clauses.Add("q.asset_id = @asset");
            parameters.Add("asset", asset);
        }

        if (dagId is { } dag)
        {
            clauses.Add("q.target_dag_id = @dag");
            parameters.Add("dag", dag);
        }

        if (before is { } time)
        {
            clauses.Add("q.created_at < @before");
            parameters.Add("before", Micros.From(time));
        }

        if (onlyDags is not null)
        {
            var names = onlyDags.Select((d, i) => (Name: $"@d{i}", Dag: d)).ToList();
            clauses.Add(names.Count == 0 ? "1 = 0" : $"q.target_dag_id IN ({string.Join(", ", names.Select(n => n.Name))})");
            foreach (var (name, only) in names)
            {
                parameters.Add(name[1..], only);
            }
        }

        return (string.Join(" AND ", clauses), parameters);
    }

    /// <summary>The DAGs with a task that updates asset <paramref name="assetId"/> (those a materialization would run).</summary>
    public async Task<IReadOnlyList<string>> ProducingDagsAsync(long assetId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<string>(
            "SELECT DISTINCT r.dag_id FROM task_outlet_asset_reference r JOIN dag d ON d.dag_id = r.dag_id WHERE r.asset_id = @assetId AND d.is_active = 1 ORDER BY r.dag_id",
            new { assetId })];
    }

    /// <summary>
    /// The watchers named <paramref name="name"/> whose trigger is of type <paramref name="classpath"/> (webhooks): asset
    /// id and name, the trigger's arguments, the DAG that declares the watcher and whether that DAG is paused (a paused
    /// DAG's watchers are inactive, as the triggerer's are: <see cref="TriggerStore.HeldAsync"/>). The arguments are
    /// decrypted with <paramref name="kwargs"/>.
    /// </summary>
    public async Task<IReadOnlyList<(long AssetId, string AssetName, string Kwargs, string DagId, bool Paused)>> WatchersAsync(
        string name,
        string classpath,
        TriggerKwargsCipher kwargs,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(kwargs);
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. (await connection.QueryAsync<(long, string, string, string, long)>(
            "SELECT w.asset_id, a.name, t.kwargs, w.dag_id, CASE WHEN d.is_paused = 1 THEN 1 ELSE 0 END FROM asset_watcher w JOIN asset a ON a.id = w.asset_id " +
            "JOIN triggers t ON t.id = w.trigger_id LEFT JOIN dag d ON d.dag_id = w.dag_id WHERE w.name = @name AND t.classpath = @classpath ORDER BY w.asset_id",
            new { name, classpath }))
            .Select(w => (w.Item1, w.Item2, kwargs.Decrypt(w.Item3), w.Item4, w.Item5 == 1))];
    }

    /// <summary>Asset aliases, filtered by name and paged as the REST API asks.</summary>
    public async Task<Page<AssetAliasRecord>> AliasesAsync(PageRequest page, string? namePattern, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        var sql = new Queries.ListSql("asset_alias al", AliasSortable, "id", "al.id");
        if (namePattern is { } name)
        {
            sql.Where(@"lower(al.name) LIKE @value ESCAPE '!'", "%" + Queries.ListSql.EscapeLike(name.ToLowerInvariant()) + "%");
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<AssetAliasRecord>(connection, "SELECT al.id AS Id, al.name AS Name, al.alias_group AS AliasGroup", page);
    }

    /// <summary>One asset alias by id, or null.</summary>
    public async Task<AssetAliasRecord?> GetAliasAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<AssetAliasRecord>(
            "SELECT al.id AS Id, al.name AS Name, al.alias_group AS AliasGroup FROM asset_alias al WHERE al.id = @id", new { id });
    }

    /// <summary>The aliases each of assets <paramref name="ids"/> joined.</summary>
    public async Task<ILookup<long, AssetAliasRecord>> AliasesOfAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return Array.Empty<(long, AssetAliasRecord)>().ToLookup(r => r.Item1, r => r.Item2);
        }

        var parameters = new DynamicParameters();
        var n = 0;
        foreach (var id in ids)
        {
            parameters.Add($"i{n++}", id);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long AssetId, long Id, string Name, string Group)>(
            $"SELECT aa.asset_id, al.id, al.name, al.alias_group FROM asset_alias_asset aa JOIN asset_alias al ON al.id = aa.alias_id " +
            $"WHERE aa.asset_id IN ({string.Join(", ", ids.Select((_, i) => $"@i{i}"))}) ORDER BY al.name",
            parameters);
        return rows.ToLookup(r => r.AssetId, r => new AssetAliasRecord { Id = r.Id, Name = r.Name, AliasGroup = r.Group });
    }

    /// <summary>Asset events, filtered and paged as the REST API asks.</summary>
    public async Task<Page<AssetEventRecord>> EventsAsync(AssetEventQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new Queries.ListSql("asset_event e JOIN asset a ON a.id = e.asset_id", EventSortable, "timestamp", "e.id");
        if (query.AssetId is { } assetId)
        {
            sql.Where("e.asset_id = @value", assetId);
        }

        if (query.SourceDagId is { } dagId)
        {
            sql.Where("e.source_dag_id = @value", dagId);
        }

        if (query.SourceTaskId is { } taskId)
        {
            sql.Where("e.source_task_id = @value", taskId);
        }

        if (query.SourceRunId is { } runId)
        {
            sql.Where("e.source_run_id = @value", runId);
        }

        if (query.SourceMapIndex is { } mapIndex)
        {
            sql.Where("e.source_map_index = @value", mapIndex);
        }

        if (query.TimestampGte is { } gte)
        {
            sql.Where("e.timestamp >= @value", Micros.From(gte));
        }

        if (query.TimestampLte is { } lte)
        {
            sql.Where("e.timestamp <= @value", Micros.From(lte));
        }

        if (query.ConsumedByRunId is { } consumer)
        {
            sql.Where("e.id IN (SELECT event_id FROM dagrun_asset_event WHERE dag_run_id = @value)", consumer);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<AssetEventRecord>(connection, $"SELECT {EventColumns}", query.Page);
    }

    /// <summary>The runs each of <paramref name="eventIds"/> started.</summary>
    public async Task<ILookup<long, DagRunRecord>> CreatedRunsAsync(IReadOnlyCollection<long> eventIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(eventIds);
        if (eventIds.Count == 0)
        {
            return Array.Empty<(long, DagRunRecord)>().ToLookup(r => r.Item1, r => r.Item2);
        }

        var parameters = new DynamicParameters();
        var n = 0;
        foreach (var id in eventIds)
        {
            parameters.Add($"i{n++}", id);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<EventRun, DagRunRecord, (long, DagRunRecord)>(
            $"SELECT l.event_id AS EventId, {DagRunStore.RunColumns} FROM dagrun_asset_event l JOIN dag_run ON dag_run.id = l.dag_run_id " +
            $"WHERE l.event_id IN ({string.Join(", ", eventIds.Select((_, i) => $"@i{i}"))}) ORDER BY dag_run.id",
            (l, r) => (l.EventId, r),
            parameters,
            splitOn: "Id");
        return rows.ToLookup(r => r.Item1, r => r.Item2);
    }

    private static readonly Dictionary<string, string> Sortable = new(StringComparer.Ordinal)
    {
        ["id"] = "a.id",
        ["name"] = "a.name",
        ["uri"] = "a.uri",
        ["created_at"] = "a.created_at",
        ["updated_at"] = "a.updated_at",
    };

    private static readonly Dictionary<string, string> AliasSortable = new(StringComparer.Ordinal)
    {
        ["id"] = "al.id",
        ["name"] = "al.name",
    };

    private static readonly Dictionary<string, string> EventSortable = new(StringComparer.Ordinal)
    {
        ["id"] = "e.id",
        ["timestamp"] = "e.timestamp",
        ["source_dag_id"] = "e.source_dag_id",
        ["source_task_id"] = "e.source_task_id",
        ["source_run_id"] = "e.source_run_id",
        ["source_map_index"] = "e.source_map_index",
    };

    private static string RandomSuffix()
    {
        const string Letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(8, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Letters[System.Security.Cryptography.RandomNumberGenerator.GetInt32(Letters.Length)];
            }
        });
    }

    private sealed class EventRun
    {
        public long EventId { get; init; }
    }
}
