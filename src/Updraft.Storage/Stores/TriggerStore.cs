using Dapper;
using Updraft.Core.States;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>
/// Triggers of deferred task instances (Airflow's trigger table) and the moves around them: a running try defers on a
/// trigger (one transaction: the trigger stored, its arguments encrypted under <c>[core] fernet_key</c>, the try guarded from running to deferred); triggerers claim triggers
/// nobody alive holds (<c>SKIP LOCKED</c> on PostgreSQL, so several share them); a trigger's event puts its task
/// instance back to scheduled with its try number kept, guarded on it still waiting on that trigger, so however many
/// triggerers fire the same trigger the task resumes exactly once.
/// </summary>
public sealed class TriggerStore(MetadataDatabase database)
{
    /// <summary>The job type triggerers record themselves under in <c>job</c>.</summary>
    public const string TriggererJobType = "TriggererJob";

    /// <summary>The resume method of a deferral whose trigger failed or timed out (Airflow's <c>__fail__</c>).</summary>
    public const string FailMethod = "__fail__";

    /// <summary>
    /// Defers running try <paramref name="tryNumber"/> on a trigger: stored with the resume it names, the task
    /// instance deferred. Returns deferred; none when the task instance was cleared while the try ran (restarting: it
    /// runs again, no trigger is kept); null when the row is no longer that running try (nothing is written). The
    /// trigger's arguments are stored encrypted with <paramref name="kwargs"/>.
    /// </summary>
    public async Task<TaskInstanceState?> DeferAsync(
        TaskInstanceKey key,
        int tryNumber,
        TriggerDeferral deferral,
        TriggerKwargsCipher kwargs,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(deferral);
        ArgumentNullException.ThrowIfNull(kwargs);
        var stored = kwargs.Encrypt(deferral.Kwargs);
        TaskInstanceTransitions.Require([TaskInstanceState.Running], TaskInstanceState.Deferred);
        TaskInstanceTransitions.Require([TaskInstanceState.Restarting], TaskInstanceState.None);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var triggerId = await connection.ExecuteScalarAsync<long>(
            PortableSql.ReturningId(connection, "INSERT INTO triggers (classpath, kwargs, created_date) VALUES (@Classpath, @Kwargs, @At)"),
            new { deferral.Classpath, Kwargs = stored, At = Micros.From(now) },
            transaction);
        var parameters = new DynamicParameters(new { key.DagId, key.RunId, key.TaskId, key.MapIndex, tryNumber, triggerId, deferral.NextMethod, deferral.NextKwargs });
        parameters.Add("Timeout", Micros.From(deferral.TimeoutAt), System.Data.DbType.Int64);
        var deferred = await connection.ExecuteAsync(
            $"UPDATE task_instance SET state = {StateSql.Of(TaskInstanceState.Deferred)}, trigger_id = @triggerId, trigger_timeout = @Timeout, " +
            "next_method = @NextMethod, next_kwargs = @NextKwargs, next_event = NULL " +
            $"WHERE {TaskInstanceStore.KeyMatch} AND try_number = @tryNumber AND state = {StateSql.Of(TaskInstanceState.Running)}",
            parameters,
            transaction);
        if (deferred > 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return TaskInstanceState.Deferred;
        }

        await transaction.RollbackAsync(cancellationToken);
        return await new TaskInstanceStore(database).ResetRestartingAsync(key, tryNumber, now, cancellationToken) ? TaskInstanceState.None : null;
    }

    /// <summary>
    /// Gives triggerer <paramref name="triggererId"/> up to <paramref name="count"/> more triggers that no live
    /// triggerer holds: unclaimed ones, and those of triggerers that stopped or have not heartbeaten since
    /// <paramref name="aliveSince"/>. Oldest first. Returns how many it took.
    /// </summary>
    public async Task<int> ClaimAsync(long triggererId, int count, DateTimeOffset aliveSince, CancellationToken cancellationToken = default)
    {
        if (count <= 0)
        {
            return 0;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var claimable = $"""
            SELECT id FROM triggers
            WHERE (triggerer_id IS NULL OR triggerer_id NOT IN (
                SELECT id FROM job WHERE job_type = @Type AND state = @Running AND latest_heartbeat >= @Alive))
              AND classpath <> @Webhook
              AND {NotPausedWatcher}
            ORDER BY id LIMIT @count
            """;

        // A webhook watcher's deliveries arrive at the API server: no triggerer holds it.
        var parameters = new { triggererId, count, Type = TriggererJobType, JobStore.Running, Alive = Micros.From(aliveSince), Webhook = typeof(Core.Triggers.WebhookTrigger).FullName };
        if (database.Dialect == SqlDialect.MySql)
        {
            // No LIMIT in an IN subquery there: pick under lock (skipping rows another triggerer is claiming), then
            // take; run again when InnoDB chose it as a deadlock's victim.
            return await MetadataDatabase.RetryDeadlocksAsync(
                async () =>
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    var ids = (await connection.QueryAsync<long>(claimable + database.ForUpdateSkipLocked, parameters, transaction)).ToList();
                    if (ids.Count > 0)
                    {
                        await connection.ExecuteAsync("UPDATE triggers SET triggerer_id = @triggererId WHERE id IN @ids", new { triggererId, ids }, transaction);
                    }

                    await transaction.CommitAsync(cancellationToken);
                    return ids.Count;
                },
                cancellationToken);
        }

        return await connection.ExecuteAsync($"UPDATE triggers SET triggerer_id = @triggererId WHERE id IN ({claimable}{database.ForUpdateSkipLocked})", parameters);
    }

    /// <summary>
    /// The ids of the triggers triggerer <paramref name="triggererId"/> holds and should run: not the watchers of a
    /// paused DAG, which it stops, and starts again once the DAG is unpaused.
    /// </summary>
    public async Task<IReadOnlyList<long>> HeldAsync(long triggererId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<long>($"SELECT id FROM triggers WHERE triggerer_id = @triggererId AND {NotPausedWatcher}", new { triggererId })];
    }

    /// <summary>
    /// As in Airflow, the asset watchers of a paused DAG do not run: a paused example needs no broker, and nothing
    /// it would start could run anyway.
    /// </summary>
    private const string NotPausedWatcher =
        "NOT EXISTS (SELECT 1 FROM asset_watcher w JOIN dag d ON d.dag_id = w.dag_id WHERE w.trigger_id = triggers.id AND d.is_paused = 1)";

    /// <summary>
    /// Triggers by id, with the task instance each one's deferred try waits on it (none: nothing waits any more); their
    /// arguments decrypted with <paramref name="kwargs"/>. One that no key decrypts comes back
    /// <see cref="TriggerRecord.KwargsUnreadable"/>, so it fails alone and the others still run.
    /// </summary>
    public async Task<IReadOnlyList<TriggerRecord>> GetManyAsync(IReadOnlyCollection<long> ids, TriggerKwargsCipher kwargs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(kwargs);
        var found = new List<TriggerRecord>(ids.Count);
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in ids.Chunk(500))
        {
            found.AddRange(await connection.QueryAsync<TriggerRecord>(
                $"""
                SELECT t.id AS Id, t.classpath AS Classpath, t.kwargs AS Kwargs, t.created_date AS CreatedDateMicros,
                    ti.dag_id AS DagId, ti.run_id AS RunId, ti.task_id AS TaskId, ti.map_index AS MapIndex, ti.try_number AS TryNumber,
                    w.asset_id AS WatchedAssetId, w.name AS WatcherName, w.dag_id AS WatcherDagId
                FROM triggers t
                LEFT JOIN task_instance ti ON ti.trigger_id = t.id AND ti.state = {StateSql.Of(TaskInstanceState.Deferred)}
                LEFT JOIN asset_watcher w ON w.trigger_id = t.id
                WHERE t.id IN ({string.Join(", ", chunk.Select((_, i) => $"@i{i}"))})
                """,
                Ids(chunk)));
        }

        return [.. found.Select(t => kwargs.TryDecrypt(t.Kwargs) is { } plain ? t with { Kwargs = plain } : t with { Kwargs = "", KwargsUnreadable = true })];
    }

    /// <summary>
    /// Resumes the task instances waiting on triggers that fired (or failed: they resume in <see cref="FailMethod"/>
    /// with the error as the event): scheduled again with the try number they deferred in, their runs evaluated. The
    /// triggers are removed. One statement per batch; a task instance that no longer waits on its trigger (cleared or
    /// marked meanwhile, or already resumed by another triggerer) is left alone. Returns how many resumed.
    /// </summary>
    public async Task<int> FireManyAsync(IReadOnlyList<TriggerFiring> firings, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(firings);
        TaskInstanceTransitions.Require([TaskInstanceState.Deferred], TaskInstanceState.Scheduled);
        if (firings.Count == 0)
        {
            return 0;
        }

        var resumed = 0;
        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in firings.DistinctBy(f => f.TriggerId).Chunk(500))
        {
            var parameters = new DynamicParameters();
            var rows = new List<string>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                parameters.Add($"i{i}", chunk[i].TriggerId);
                parameters.Add($"e{i}", chunk[i].Event, System.Data.DbType.String);
                parameters.Add($"f{i}", chunk[i].Failed ? 1 : 0);
                rows.Add($"(@i{i}, @e{i}, @f{i})");
            }

            const string Columns = "trigger_id, event, failed";
            var sets = $"""
                try_number = task_instance.try_number - 1, trigger_id = NULL, trigger_timeout = NULL, next_event = v.event,
                    next_method = CASE WHEN v.failed = 1 THEN '{FailMethod}' ELSE task_instance.next_method END, state = {StateSql.Of(TaskInstanceState.Scheduled)}
                """;
            var where = $"task_instance.trigger_id = v.trigger_id AND task_instance.state = {StateSql.Of(TaskInstanceState.Deferred)}";

            // A deadlock rolled the whole transaction back: it runs again.
            var keys = await MetadataDatabase.RetryDeadlocksAsync(
                async () =>
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    List<(string DagId, string RunId)> resumedRuns;
                    if (database.Dialect == SqlDialect.MySql)
                    {
                        // No RETURNING there: the rows are locked and read, then changed, in the transaction.
                        resumedRuns = await PortableSql.UpdateFromRowsReturningMySqlAsync<(string, string)>(
                            connection, transaction, "task_instance", Columns, rows, sets, where, "task_instance.dag_id, task_instance.run_id", parameters);
                    }
                    else
                    {
                        resumedRuns = (await connection.QueryAsync<(string, string)>(
                            PortableSql.UpdateFromRows(false, "task_instance", Columns, rows, sets, where) + " RETURNING dag_id, run_id", parameters, transaction)).ToList();
                    }

                    await connection.ExecuteAsync(
                        $"DELETE FROM triggers WHERE id IN ({string.Join(", ", chunk.Select((_, i) => $"@i{i}"))})",
                        parameters,
                        transaction);
                    await TaskInstanceStore.FlagRunsAsync(connection, transaction, [.. resumedRuns.Distinct()]);
                    if (resumedRuns.Count > 0 && database.NotifySchedulers is { } notify)
                    {
                        await connection.ExecuteAsync(notify, transaction: transaction);
                    }

                    await transaction.CommitAsync(cancellationToken);
                    return resumedRuns;
                },
                cancellationToken);
            resumed += keys.Count;
        }

        if (resumed > 0)
        {
            database.WakeSchedulers();
        }

        return resumed;
    }

    /// <summary>
    /// Fails the deferrals whose timeout has passed by <paramref name="now"/>: each task instance resumes in
    /// <see cref="FailMethod"/> with a timeout error (its retries apply), as Airflow's scheduler does. Returns how many.
    /// </summary>
    public async Task<int> TimeOutAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<long> expired;
        await using (var connection = await database.OpenAsync(cancellationToken))
        {
            expired = [.. await connection.QueryAsync<long>(
                $"SELECT trigger_id FROM task_instance WHERE state = {StateSql.Of(TaskInstanceState.Deferred)} AND trigger_timeout <= @At AND trigger_id IS NOT NULL",
                new { At = Micros.From(now) })];
        }

        return await FireManyAsync([.. expired.Select(id => new TriggerFiring(id, TriggerFiring.Error("Trigger timeout: the task did not resume before its deferral timed out."), Failed: true))], cancellationToken);
    }

    /// <summary>
    /// Removes the triggers nothing needs any more: no deferred task instance waits on them (cleared or marked while
    /// deferred) and no asset watcher owns them. Returns how many.
    /// </summary>
    public async Task<int> DeleteUnusedAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "DELETE FROM triggers WHERE NOT EXISTS (SELECT 1 FROM task_instance ti WHERE ti.trigger_id = triggers.id " +
            $"AND ti.state = {StateSql.Of(TaskInstanceState.Deferred)}) AND NOT EXISTS (SELECT 1 FROM asset_watcher w WHERE w.trigger_id = triggers.id)");
    }

    /// <summary>Hands back the triggers a stopping triggerer holds, so another takes them at once.</summary>
    public async Task<int> ReleaseAsync(long triggererId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("UPDATE triggers SET triggerer_id = NULL WHERE triggerer_id = @triggererId", new { triggererId });
    }

    /// <summary>How many triggers there are, and how many no triggerer holds.</summary>
    public async Task<(int Total, int Unclaimed)> CountAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var (total, unclaimed) = await connection.QuerySingleAsync<(long, long?)>(
            "SELECT count(*), sum(CASE WHEN triggerer_id IS NULL THEN 1 ELSE 0 END) FROM triggers WHERE classpath <> @Webhook",
            new { Webhook = typeof(Core.Triggers.WebhookTrigger).FullName });
        return ((int)total, (int)(unclaimed ?? 0));
    }

    private static DynamicParameters Ids(IEnumerable<long> ids)
    {
        var parameters = new DynamicParameters();
        var i = 0;
        foreach (var id in ids)
        {
            parameters.Add($"i{i++}", id);
        }

        return parameters;
    }
}

/// <summary>What a try defers on: the trigger's type and JSON arguments (plain: the store encrypts them), where it resumes, and when the wait times out.</summary>
public sealed record TriggerDeferral(string Classpath, string Kwargs, string NextMethod, string? NextKwargs, DateTimeOffset? TimeoutAt);

/// <summary>A trigger that fired (its event's payload as JSON), or failed (<see cref="Failed"/>, the event carrying the error).</summary>
public sealed record TriggerFiring(long TriggerId, string? Event, bool Failed = false)
{
    /// <summary>The event of a failed trigger: <c>{"error": message}</c>, what the task's <c>__fail__</c> resume reports.</summary>
    public static string Error(string message) => new System.Text.Json.Nodes.JsonObject { ["error"] = message }.ToJsonString();
}

/// <summary>A stored trigger (its arguments decrypted), and the deferred try waiting on it (null task: nothing waits on it any more).</summary>
public sealed record TriggerRecord
{
    public long Id { get; init; }

    public string Classpath { get; init; } = "";

    public string Kwargs { get; init; } = "{}";

    /// <summary>
    /// Whether the stored arguments could not be decrypted with any key of <c>[core] fernet_key</c> (the key was
    /// changed without <c>rotate-fernet-key</c>); <see cref="Kwargs"/> is then empty.
    /// </summary>
    public bool KwargsUnreadable { get; init; }

    public long CreatedDateMicros { get; init; }

    public string? DagId { get; init; }

    public string? RunId { get; init; }

    public string? TaskId { get; init; }

    public int? MapIndex { get; init; }

    public int? TryNumber { get; init; }

    /// <summary>For an asset watcher's trigger: the asset whose events it records, the watcher's name and the DAG declaring it.</summary>
    public long? WatchedAssetId { get; init; }

    public string? WatcherName { get; init; }

    public string? WatcherDagId { get; init; }

    /// <summary>The task instance waiting on the trigger, if any.</summary>
    public TaskInstanceKey? Task => DagId is null ? null : new(DagId, RunId!, TaskId!, MapIndex ?? -1);
}
