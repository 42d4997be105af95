using System.Data.Common;
using Dapper;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>
/// Task instances. Every state change names the state it expects to find (<c>WHERE state = …</c>), so when two
/// schedulers or a scheduler and a worker race for the same row, exactly one of them wins.
/// </summary>
public sealed class TaskInstanceStore(MetadataDatabase database)
{
    internal const string Columns =
        """
        dag_id AS DagId, run_id AS RunId, task_id AS TaskId, map_index AS MapIndex, state AS State, try_number AS TryNumber,
        max_tries AS MaxTries, operator AS Operator, pool AS Pool, pool_slots AS PoolSlots, priority_weight AS PriorityWeight,
        queue AS Queue, executor AS Executor, hostname AS Hostname, pid AS Pid, queued_dttm AS QueuedDttm, start_date AS StartDate,
        end_date AS EndDate, duration AS Duration, next_retry_at AS NextRetryAt, last_heartbeat_at AS LastHeartbeatAt
        """;

    private static string Prefixed(string alias) => string.Join(
        ", ",
        Columns.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(c => $"{alias}.{c}"));

    private const string KeyMatch = "dag_id = @DagId AND run_id = @RunId AND task_id = @TaskId AND map_index = @MapIndex";

    public async Task<TaskInstanceRecord?> GetAsync(TaskInstanceKey key, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<TaskInstanceRecord>($"SELECT {Columns} FROM task_instance WHERE {KeyMatch}", key);
    }

    public async Task<IReadOnlyList<TaskInstanceRecord>> ListForRunAsync(string dagId, string runId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TaskInstanceRecord>(
            $"SELECT {Columns} FROM task_instance WHERE dag_id = @dagId AND run_id = @runId ORDER BY task_id", new { dagId, runId })).ToList();
    }

    /// <summary>All task instances of the given runs, in one query.</summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> ListForRunsAsync(IReadOnlyCollection<(string DagId, string RunId)> runs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runs);
        if (runs.Count == 0)
        {
            return [];
        }

        var wanted = runs.ToHashSet();
        var runIds = runs.Select(r => r.RunId).Distinct(StringComparer.Ordinal).ToList();
        var dagIds = runs.Select(r => r.DagId).Distinct(StringComparer.Ordinal).ToList();
        var parameters = new DynamicParameters();
        for (var i = 0; i < runIds.Count; i++)
        {
            parameters.Add($"r{i}", runIds[i]);
        }

        for (var i = 0; i < dagIds.Count; i++)
        {
            parameters.Add($"d{i}", dagIds[i]);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<TaskInstanceRecord>(
            $"SELECT {Columns} FROM task_instance WHERE run_id IN ({string.Join(", ", runIds.Select((_, i) => $"@r{i}"))}) " +
            $"AND dag_id IN ({string.Join(", ", dagIds.Select((_, i) => $"@d{i}"))})",
            parameters);
        return rows.Where(t => wanted.Contains((t.DagId, t.RunId))).ToList();
    }

    /// <summary>Marks for evaluation the runs that have a retry coming due by <paramref name="now"/>.</summary>
    public async Task<int> FlagDueRetriesAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE dag_run SET needs_evaluation = 1 WHERE needs_evaluation = 0 AND state = 'running' AND EXISTS (" +
            "SELECT 1 FROM task_instance ti WHERE ti.dag_id = dag_run.dag_id AND ti.run_id = dag_run.run_id " +
            "AND ti.state = 'up_for_retry' AND ti.next_retry_at <= @At)",
            new { At = Micros.From(now) });
    }

    /// <summary>Applies state changes, each only if the row is still in its expected state; returns how many applied.</summary>
    public async Task<int> TransitionAsync(IReadOnlyCollection<(TaskInstanceKey Key, string From, string To)> changes, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return 0;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var at = Micros.From(now);
        var applied = await connection.ExecuteAsync(
            $"""
            UPDATE task_instance SET state = @To,
                end_date = CASE WHEN @To IN ('skipped', 'upstream_failed', 'failed', 'success', 'removed') THEN coalesce(end_date, @At) ELSE end_date END
            WHERE {KeyMatch} AND state = @From
            """,
            changes.Select(c => new { c.Key.DagId, c.Key.RunId, c.Key.TaskId, c.Key.MapIndex, c.From, c.To, At = at }),
            transaction);
        await transaction.CommitAsync(cancellationToken);
        return applied;
    }

    /// <summary>Scheduled task instances in priority order (highest first), the candidates for queueing.</summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> ScheduledAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TaskInstanceRecord>(
            $"SELECT {Prefixed("ti")}, r.dag_version AS DagVersion FROM task_instance ti JOIN dag_run r ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id " +
            "WHERE ti.state = 'scheduled' ORDER BY ti.priority_weight DESC, ti.dag_id, ti.run_id, ti.task_id LIMIT @limit",
            new { limit })).ToList();
    }

    /// <summary>What currently holds capacity: queued and running task instances.</summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> ActiveAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TaskInstanceRecord>($"SELECT {Columns} FROM task_instance WHERE state IN ('queued', 'running')")).ToList();
    }

    /// <summary>
    /// Queues scheduled task instances, each only if still scheduled (on PostgreSQL under <c>FOR UPDATE SKIP
    /// LOCKED</c>, so concurrent schedulers never queue the same row); the try number goes up by one.
    /// Returns the rows this call queued.
    /// </summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> QueueAsync(IReadOnlyCollection<TaskInstanceKey> keys, string executor, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(keys);
        var queued = new List<TaskInstanceRecord>();
        if (keys.Count == 0)
        {
            return queued;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var key in keys)
        {
            var row = await connection.QuerySingleOrDefaultAsync<TaskInstanceRecord>(
                $"SELECT {Columns} FROM task_instance WHERE {KeyMatch} AND state = 'scheduled'{database.ForUpdateSkipLocked}", key, transaction);
            if (row is null)
            {
                continue;
            }

            await connection.ExecuteAsync(
                $"UPDATE task_instance SET state = 'queued', try_number = try_number + 1, queued_dttm = @At, executor = @executor, next_retry_at = NULL WHERE {KeyMatch}",
                new { key.DagId, key.RunId, key.TaskId, key.MapIndex, At = Micros.From(now), executor },
                transaction);
            queued.Add(await connection.QuerySingleAsync<TaskInstanceRecord>($"SELECT {Columns} FROM task_instance WHERE {KeyMatch}", key, transaction));
        }

        await transaction.CommitAsync(cancellationToken);
        return queued;
    }

    /// <summary>
    /// Queues a task instance for a new try whatever its state (except running), for running it by hand; returns the
    /// queued row, or null when there is no such task instance or it is running.
    /// </summary>
    public async Task<TaskInstanceRecord?> ForceQueueAsync(TaskInstanceKey key, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(
            $"UPDATE task_instance SET state = 'queued', try_number = try_number + 1, max_tries = CASE WHEN max_tries < try_number + 1 THEN try_number + 1 ELSE max_tries END, " +
            $"queued_dttm = @At, executor = 'cli', next_retry_at = NULL WHERE {KeyMatch} AND state NOT IN ('running', 'queued')",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, At = Micros.From(now) });
        return updated == 0 ? null : await connection.QuerySingleAsync<TaskInstanceRecord>($"SELECT {Columns} FROM task_instance WHERE {KeyMatch}", key);
    }

    /// <summary>Marks a queued task instance running in this process; false if it was not queued (another runner took it).</summary>
    public async Task<bool> StartAsync(TaskInstanceKey key, int tryNumber, string hostname, int pid, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        var at = Micros.From(now);
        return await connection.ExecuteAsync(
            $"UPDATE task_instance SET state = 'running', start_date = @at, end_date = NULL, duration = NULL, hostname = @hostname, pid = @pid, last_heartbeat_at = @at WHERE {KeyMatch} AND state = 'queued' AND try_number = @tryNumber",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, at, hostname, pid, tryNumber }) > 0;
    }

    public async Task HeartbeatAsync(TaskInstanceKey key, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            $"UPDATE task_instance SET last_heartbeat_at = @At WHERE {KeyMatch} AND state = 'running'",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, At = Micros.From(now) });
    }

    /// <summary>
    /// Ends try <paramref name="tryNumber"/> in <paramref name="state"/> (success, failed, skipped or up_for_retry with
    /// <paramref name="nextRetryAt"/>), if the row is still that try in one of <paramref name="from"/>; records the try in the history.
    /// </summary>
    public async Task<bool> FinishAsync(
        TaskInstanceKey key,
        int tryNumber,
        string state,
        DateTimeOffset now,
        DateTimeOffset? nextRetryAt = null,
        IReadOnlyCollection<string>? from = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var fromStates = string.Join(", ", (from ?? ["running"]).Select(s => $"'{s}'"));
        var at = Micros.From(now);
        var updated = await connection.ExecuteAsync(
            $"""
            UPDATE task_instance SET state = @state, end_date = @at, next_retry_at = @retry,
                duration = CASE WHEN start_date IS NULL THEN NULL ELSE (@at - start_date) / 1000000.0 END
            WHERE {KeyMatch} AND try_number = @tryNumber AND state IN ({fromStates})
            """,
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, state, at, retry = Micros.From(nextRetryAt), tryNumber },
            transaction);
        if (updated > 0)
        {
            await RecordHistoryAsync(connection, transaction, key);
            await connection.ExecuteAsync("UPDATE dag_run SET needs_evaluation = 1 WHERE dag_id = @DagId AND run_id = @RunId", key, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return updated > 0;
    }

    /// <summary>
    /// Clears task instances so the scheduler runs them again: state none, a fresh retries budget from their current
    /// try, their XComs removed, and their runs reopened (queued) when they had finished. Running instances are left
    /// alone. Returns the cleared keys.
    /// </summary>
    public async Task<IReadOnlyList<TaskInstanceKey>> ClearAsync(
        IReadOnlyCollection<(TaskInstanceKey Key, int Retries)> taskInstances,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskInstances);
        var cleared = new List<TaskInstanceKey>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (key, retries) in taskInstances)
        {
            var updated = await connection.ExecuteAsync(
                $"UPDATE task_instance SET state = 'none', max_tries = try_number + @retries + 1, end_date = NULL, duration = NULL, next_retry_at = NULL " +
                $"WHERE {KeyMatch} AND state NOT IN ('running', 'queued')",
                new { key.DagId, key.RunId, key.TaskId, key.MapIndex, retries },
                transaction);
            if (updated == 0)
            {
                continue;
            }

            cleared.Add(key);
            await connection.ExecuteAsync(
                "DELETE FROM xcom WHERE dag_id = @DagId AND run_id = @RunId AND task_id = @TaskId AND map_index = @MapIndex", key, transaction);
            await connection.ExecuteAsync(
                "UPDATE dag_run SET state = CASE WHEN state IN ('success', 'failed') THEN 'queued' ELSE state END, end_date = NULL, needs_evaluation = 1 " +
                "WHERE dag_id = @DagId AND run_id = @RunId",
                key,
                transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return cleared;
    }

    /// <summary>Task instances queued before <paramref name="before"/> that no runner has started.</summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> StaleQueuedAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TaskInstanceRecord>(
            $"SELECT {Columns} FROM task_instance WHERE state = 'queued' AND queued_dttm < @At",
            new { At = Micros.From(before) })).ToList();
    }

    /// <summary>Running task instances whose last heartbeat is older than <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> StaleRunningAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TaskInstanceRecord>(
            $"SELECT {Columns} FROM task_instance WHERE state = 'running' AND (last_heartbeat_at IS NULL OR last_heartbeat_at < @At)",
            new { At = Micros.From(before) })).ToList();
    }

    private static Task<int> RecordHistoryAsync(DbConnection connection, DbTransaction transaction, TaskInstanceKey key) => connection.ExecuteAsync(
        $"""
        INSERT INTO task_instance_history (dag_id, run_id, task_id, map_index, try_number, state, hostname, pid, start_date, end_date, duration, executor)
        SELECT dag_id, run_id, task_id, map_index, try_number, state, hostname, pid, start_date, end_date, duration, executor
        FROM task_instance WHERE {KeyMatch}
        ON CONFLICT (dag_id, run_id, task_id, map_index, try_number) DO UPDATE SET state = excluded.state, end_date = excluded.end_date, duration = excluded.duration
        """,
        key,
        transaction);
}
