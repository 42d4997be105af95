using System.Data.Common;
using Dapper;
using Updraft.Core.States;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>
/// Task instances. Every state change goes through <see cref="TaskInstanceTransitions"/> and names the state (and,
/// for a try's own writes, the try number) it expects to find, checking how many rows it changed: when two
/// schedulers, a scheduler and a worker, or a stale try and its retry race for a row, exactly one wins (ADR 0011).
/// </summary>
public sealed class TaskInstanceStore(MetadataDatabase database) : ITaskInstanceStore
{
    internal const string Columns =
        """
        dag_id AS DagId, run_id AS RunId, task_id AS TaskId, map_index AS MapIndex, state AS StateName, try_number AS TryNumber,
        max_tries AS MaxTries, operator AS Operator, pool AS Pool, pool_slots AS PoolSlots, priority_weight AS PriorityWeight,
        queue AS Queue, executor AS Executor, hostname AS Hostname, pid AS Pid, queued_dttm AS QueuedDttm, start_date AS StartDate,
        end_date AS EndDate, duration AS Duration, next_retry_at AS NextRetryAt, last_heartbeat_at AS LastHeartbeatAt,
        note AS Note, note_user AS NoteUser
        """;

    internal const string KeyMatch = "dag_id = @DagId AND run_id = @RunId AND task_id = @TaskId AND map_index = @MapIndex";

    private static readonly Dictionary<string, string> TaskInstanceSortable = new(StringComparer.Ordinal)
    {
        ["dag_id"] = "dag_id",
        ["run_id"] = "run_id",
        ["task_id"] = "task_id",
        ["map_index"] = "map_index",
        ["state"] = "state",
        ["start_date"] = "start_date",
        ["end_date"] = "end_date",
        ["duration"] = "duration",
        ["try_number"] = "try_number",
        ["pool"] = "pool",
        ["queue"] = "queue",
        ["priority_weight"] = "priority_weight",
        ["queued_dttm"] = "queued_dttm",
    };

    public async Task<Page<TaskInstanceRecord>> QueryAsync(TaskInstanceQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new ListSql("task_instance", TaskInstanceSortable, "dag_id, run_id, task_id", "dag_id, run_id, task_id, map_index")
            .In("dag_id", query.DagIds)
            .In("run_id", query.RunIds)
            .In("task_id", query.TaskIds)
            .In("state", query.States, s => s.ToWireName())
            .In("pool", query.Pools)
            .In("queue", query.Queues)
            .In("executor", query.Executors);
        if (query.DagId is { } dagId)
        {
            sql.Where("dag_id = @value", dagId);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<TaskInstanceRecord>(connection, $"SELECT {Columns}", query.Page);
    }

    public async Task<IReadOnlyList<TaskInstanceTry>> TriesAsync(TaskInstanceKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        var tries = (await connection.QueryAsync<TaskInstanceTry>(
            "SELECT try_number AS TryNumber, state AS StateName, hostname AS Hostname, pid AS Pid, start_date AS StartDate, end_date AS EndDate, duration AS Duration, executor AS Executor " +
            "FROM task_instance_history WHERE dag_id = @DagId AND run_id = @RunId AND task_id = @TaskId AND map_index = @MapIndex ORDER BY try_number",
            key)).ToList();
        if (await GetAsync(key, cancellationToken) is { TryNumber: > 0 } current && tries.TrueForAll(t => t.TryNumber != current.TryNumber))
        {
            tries.Add(new TaskInstanceTry
            {
                TryNumber = current.TryNumber,
                State = current.State,
                Hostname = current.Hostname,
                Pid = current.Pid,
                StartDate = current.StartDate,
                EndDate = current.EndDate,
                Duration = current.Duration,
                Executor = current.Executor,
            });
        }

        return tries;
    }

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
    public Task<IReadOnlyList<TaskInstanceRecord>> ListForRunsAsync(IReadOnlyCollection<(string DagId, string RunId)> runs, CancellationToken cancellationToken = default) =>
        ForRunsAsync<TaskInstanceRecord>(Columns, runs, r => (r.DagId, r.RunId), cancellationToken);

    /// <summary>
    /// What evaluating the given runs needs of their task instances (key, state, retry time), in one query: a narrow
    /// read, since a run with a mapped task has thousands of instances and is read again after each of them ends.
    /// </summary>
    public Task<IReadOnlyList<TaskInstanceStateRow>> StatesForRunsAsync(IReadOnlyCollection<(string DagId, string RunId)> runs, CancellationToken cancellationToken = default) =>
        ForRunsAsync<TaskInstanceStateRow>(
            "dag_id AS DagId, run_id AS RunId, task_id AS TaskId, map_index AS MapIndex, state AS StateName, next_retry_at AS NextRetryAt",
            runs,
            r => (r.DagId, r.RunId),
            cancellationToken);

    private async Task<IReadOnlyList<T>> ForRunsAsync<T>(string columns, IReadOnlyCollection<(string DagId, string RunId)> runs, Func<T, (string, string)> runOf, CancellationToken cancellationToken)
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
        var rows = await connection.QueryAsync<T>(
            $"SELECT {columns} FROM task_instance WHERE run_id IN ({string.Join(", ", runIds.Select((_, i) => $"@r{i}"))}) " +
            $"AND dag_id IN ({string.Join(", ", dagIds.Select((_, i) => $"@d{i}"))})",
            parameters);
        return rows.Where(t => wanted.Contains(runOf(t))).ToList();
    }

    /// <summary>Marks for evaluation the runs that have a retry or a sensor's reschedule coming due by <paramref name="now"/>.</summary>
    public async Task<int> FlagDueRetriesAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE dag_run SET needs_evaluation = 1 WHERE needs_evaluation = 0 AND state = 'running' AND EXISTS (" +
            "SELECT 1 FROM task_instance ti WHERE ti.dag_id = dag_run.dag_id AND ti.run_id = dag_run.run_id " +
            $"AND ti.state IN ({StateSql.List([TaskInstanceState.UpForRetry, TaskInstanceState.UpForReschedule])}) AND ti.next_retry_at <= @At)",
            new { At = Micros.From(now) });
    }

    /// <summary>Applies state changes, each only if the row is still in its expected state; returns how many applied.</summary>
    public async Task<int> TransitionAsync(IReadOnlyCollection<TaskInstanceChange> changes, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.Count == 0)
        {
            return 0;
        }

        foreach (var change in changes)
        {
            TaskInstanceTransitions.Require([change.From], change.To);
        }

        // A task that ended without running (an empty one succeeding, one marked by hand) lets its downstream tasks go:
        // its run is evaluated again.
        var flagged = changes
            .Where(c => c.To is TaskInstanceState.Success || (c.To is TaskInstanceState.Failed or TaskInstanceState.Skipped && c.From is not (TaskInstanceState.None or TaskInstanceState.Scheduled)))
            .Select(c => (c.Key.DagId, c.Key.RunId)).Distinct().ToList();
        await using var connection = await database.OpenAsync(cancellationToken);

        // A deadlock (MySQL, several schedulers) rolled back what it was part of: the whole transaction when runs are
        // flagged with the changes, else the one batch; that part runs again.
        if (flagged.Count > 0)
        {
            return await MetadataDatabase.RetryDeadlocksAsync(
                async () =>
                {
                    await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                    var applied = 0;
                    foreach (var chunk in changes.Chunk(500))
                    {
                        applied += await ApplyAsync(chunk, transaction);
                    }

                    await FlagRunsAsync(connection, transaction, flagged);
                    await transaction.CommitAsync(cancellationToken);
                    return applied;
                },
                cancellationToken);
        }

        var total = 0;
        foreach (var chunk in changes.Chunk(500))
        {
            total += await MetadataDatabase.RetryDeadlocksAsync(() => ApplyAsync(chunk, null), cancellationToken);
        }

        return total;

        // One statement per batch, each row changed only if still in the state it was read in.
        Task<int> ApplyAsync(TaskInstanceChange[] chunk, DbTransaction? transaction)
        {
            var parameters = new DynamicParameters(new { At = Micros.From(now) });
            var rows = new List<string>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                var (key, from, to) = (chunk[i].Key, chunk[i].From, chunk[i].To);
                parameters.AddDynamicParams(new Dictionary<string, object>
                {
                    [$"d{i}"] = key.DagId, [$"r{i}"] = key.RunId, [$"t{i}"] = key.TaskId, [$"m{i}"] = key.MapIndex,
                    [$"f{i}"] = from.ToWireName(), [$"s{i}"] = to.ToWireName(),
                });
                rows.Add($"(@d{i}, @r{i}, @t{i}, @m{i}, @f{i}, @s{i})");
            }

            // state last: MySQL assigns left to right, and try_number reads the state it had.
            return connection.ExecuteAsync(
                PortableSql.UpdateFromRows(
                    database.Dialect == SqlDialect.MySql,
                    "task_instance",
                    "dag_id, run_id, task_id, map_index, from_state, to_state",
                    rows,
                    $"""
                    try_number = CASE WHEN task_instance.state = {StateSql.Of(TaskInstanceState.UpForReschedule)} AND v.to_state = {StateSql.Of(TaskInstanceState.Scheduled)}
                        THEN task_instance.try_number - 1 ELSE task_instance.try_number END,
                    start_date = CASE WHEN v.to_state = {StateSql.Of(TaskInstanceState.Success)} THEN coalesce(task_instance.start_date, @At) ELSE task_instance.start_date END,
                    end_date = CASE WHEN v.to_state IN ({StateSql.Finished}) THEN coalesce(task_instance.end_date, @At) ELSE task_instance.end_date END,
                    state = v.to_state
                    """,
                    """
                    task_instance.dag_id = v.dag_id AND task_instance.run_id = v.run_id AND task_instance.task_id = v.task_id
                        AND task_instance.map_index = v.map_index AND task_instance.state = v.from_state
                    """),
                parameters,
                transaction);
        }
    }

    /// <summary>Flags runs for evaluation, in one statement per batch.</summary>
    internal static async Task FlagRunsAsync(DbConnection connection, DbTransaction? transaction, IReadOnlyList<(string DagId, string RunId)> runs, bool onlyUnflagged = true)
    {
        foreach (var chunk in runs.Chunk(500))
        {
            var parameters = new DynamicParameters();
            var rows = new List<string>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                parameters.Add($"d{i}", chunk[i].DagId);
                parameters.Add($"r{i}", chunk[i].RunId);
                rows.Add($"(@d{i}, @r{i})");
            }

            await connection.ExecuteAsync(
                $"UPDATE dag_run SET needs_evaluation = 1 WHERE {(onlyUnflagged ? "needs_evaluation = 0 AND " : "")}(dag_id, run_id) IN {PortableSql.RowList(MetadataDatabase.IsMySql(connection), rows)}",
                parameters,
                transaction);
        }
    }

    /// <summary>What currently holds capacity: queued and running task instances.</summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> ActiveAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TaskInstanceRecord>($"SELECT {Columns} FROM task_instance WHERE state IN ({StateSql.Active})")).ToList();
    }

    /// <summary>
    /// Queues a task instance for a new try whatever its state (except queued, running or being restarted), for running
    /// it by hand (a finished one is cleared first); returns the queued row, or null when there is no such task
    /// instance or it is active.
    /// </summary>
    public async Task<TaskInstanceRecord?> ForceQueueAsync(TaskInstanceKey key, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        TaskInstanceTransitions.Require(ClearedToNone, TaskInstanceState.None);
        TaskInstanceTransitions.Require([TaskInstanceState.None], TaskInstanceState.Queued);
        await using var connection = await database.OpenAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(
            // max_tries before try_number, state last: MySQL assigns left to right, each item seeing the ones before.
            "UPDATE task_instance SET max_tries = CASE WHEN max_tries < try_number + 1 THEN try_number + 1 ELSE max_tries END, try_number = try_number + 1, " +
            $"queued_dttm = @At, executor = 'cli', next_retry_at = NULL, {NewTryColumns}, {NoDeferral}, state = {StateSql.Of(TaskInstanceState.Queued)} WHERE {KeyMatch} AND state IN ({StateSql.List([TaskInstanceState.None, .. ClearedToNone])})",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, At = Micros.From(now) });
        return updated == 0 ? null : await connection.QuerySingleAsync<TaskInstanceRecord>($"SELECT {Columns} FROM task_instance WHERE {KeyMatch}", key);
    }

    /// <summary>Marks a queued try running in this process; false if the row is no longer that queued try (another runner took it, or it was cleared).</summary>
    public async Task<bool> StartAsync(TaskInstanceKey key, int tryNumber, string hostname, int pid, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        (await StartManyAsync([new TryStartRequest(key, tryNumber, hostname, pid)], now, cancellationToken)).Count > 0;

    /// <summary>Records that try <paramref name="tryNumber"/> is alive; false when the row is no longer that running try, so the try must stop.</summary>
    public async Task<bool> HeartbeatAsync(TaskInstanceKey key, int tryNumber, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"UPDATE task_instance SET last_heartbeat_at = @At WHERE {KeyMatch} AND try_number = @tryNumber AND state = {StateSql.Of(TaskInstanceState.Running)}",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, tryNumber, At = Micros.From(now) }) > 0;
    }

    /// <summary>
    /// Marks queued tries running, in one statement for the batch, and returns each started try's run (the context
    /// its worker needs); a try missing from the result was not that queued try any more (another runner took it, or
    /// it was cleared), and nothing was written for it.
    /// </summary>
    public async Task<IReadOnlyDictionary<TryKey, TryStarted>> StartManyAsync(IReadOnlyList<TryStartRequest> tries, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tries);
        TaskInstanceTransitions.Require([TaskInstanceState.Queued], TaskInstanceState.Running);
        var result = new Dictionary<TryKey, TryStarted>();
        if (tries.Count == 0)
        {
            return result;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in tries.Chunk(500))
        {
            var parameters = new DynamicParameters(new { At = Micros.From(now) });
            var rows = new List<string>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                var t = chunk[i];
                parameters.AddDynamicParams(new Dictionary<string, object>
                {
                    [$"d{i}"] = t.Key.DagId, [$"r{i}"] = t.Key.RunId, [$"t{i}"] = t.Key.TaskId, [$"m{i}"] = t.Key.MapIndex,
                    [$"n{i}"] = t.TryNumber, [$"h{i}"] = t.Hostname, [$"p{i}"] = t.Pid,
                });
                rows.Add($"(@d{i}, @r{i}, @t{i}, @m{i}, @n{i}, @h{i}, @p{i})");
            }

            const string Columns = "dag_id, run_id, task_id, map_index, try_number, hostname, pid";
            var values = $"WITH v ({Columns}) AS (VALUES {string.Join(", ", rows)})";
            var sets = $"""
                start_date = CASE WHEN task_instance.next_method IS NULL THEN @At ELSE coalesce(task_instance.start_date, @At) END, end_date = NULL, duration = NULL,
                    hostname = v.hostname, pid = v.pid, last_heartbeat_at = @At, state = {StateSql.Of(TaskInstanceState.Running)}
                """;
            var where = $"""
                task_instance.dag_id = v.dag_id AND task_instance.run_id = v.run_id AND task_instance.task_id = v.task_id
                    AND task_instance.map_index = v.map_index AND task_instance.try_number = v.try_number AND task_instance.state = {StateSql.Of(TaskInstanceState.Queued)}
                """;
            var update = $"UPDATE task_instance SET {sets} FROM v WHERE {where}";
            IEnumerable<(StartedTry Try, DagRunRecord Run)> started;
            if (database.Dialect == SqlDialect.Postgres)
            {
                // One round trip: the update and the runs of the rows it changed.
                started = await connection.QueryAsync<StartedTry, DagRunRecord, (StartedTry, DagRunRecord)>(
                    $"""
                    {values}, started AS ({update}
                        RETURNING task_instance.dag_id AS s_dag, task_instance.run_id AS s_run, task_instance.task_id AS s_task,
                            task_instance.map_index AS s_map, task_instance.try_number AS s_try, task_instance.next_method AS s_method,
                            task_instance.next_kwargs AS s_kwargs, task_instance.next_event AS s_event)
                    SELECT s_task AS TaskId, s_map AS MapIndex, s_try AS TryNumber, s_method AS NextMethod, s_kwargs AS NextKwargs, s_event AS NextEvent, {DagRunStore.RunColumns}
                    FROM started JOIN dag_run ON dag_run.dag_id = s_dag AND dag_run.run_id = s_run
                    """,
                    (t, r) => (t, r),
                    parameters,
                    splitOn: "Id");
            }
            else
            {
                List<(string DagId, string RunId, string TaskId, int MapIndex, int TryNumber, string? NextMethod, string? NextKwargs, string? NextEvent)> keys;
                var mySql = database.Dialect == SqlDialect.MySql;
                if (mySql)
                {
                    // No RETURNING: the rows are locked and read, then changed, in one transaction; run again when
                    // InnoDB chose it as a deadlock's victim (it was rolled back whole).
                    keys = await MetadataDatabase.RetryDeadlocksAsync(
                        async () =>
                        {
                            await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                            var locked = await PortableSql.UpdateFromRowsReturningMySqlAsync<(string, string, string, int, int, string?, string?, string?)>(
                                connection,
                                transaction,
                                "task_instance",
                                Columns,
                                rows,
                                sets,
                                where,
                                "task_instance.dag_id, task_instance.run_id, task_instance.task_id, task_instance.map_index, task_instance.try_number, " +
                                "task_instance.next_method, task_instance.next_kwargs, task_instance.next_event",
                                parameters);
                            await transaction.CommitAsync(cancellationToken);
                            return locked;
                        },
                        cancellationToken);
                }
                else
                {
                    keys = (await connection.QueryAsync<(string, string, string, int, int, string?, string?, string?)>(
                        $"{values} {update} RETURNING dag_id, run_id, task_id, map_index, try_number, next_method, next_kwargs, next_event", parameters)).ToList();
                }

                var runs = keys.Count == 0 ? [] : (await connection.QueryAsync<DagRunRecord>(
                        $"SELECT {DagRunStore.RunColumns} FROM dag_run WHERE (dag_id, run_id) IN {PortableSql.RowList(mySql, keys.Select((_, i) => $"(@d{i}, @r{i})"))}",
                        Pairs(keys.Select(k => (k.DagId, k.RunId)))))
                    .ToDictionary(r => (r.DagId, r.RunId));
                started = keys.Where(k => runs.ContainsKey((k.DagId, k.RunId)))
                    .Select(k => (new StartedTry { TaskId = k.TaskId, MapIndex = k.MapIndex, TryNumber = k.TryNumber, NextMethod = k.NextMethod, NextKwargs = k.NextKwargs, NextEvent = k.NextEvent },
                        runs[(k.DagId, k.RunId)]));
            }

            foreach (var (t, run) in started)
            {
                result[new TryKey(new TaskInstanceKey(run.DagId, run.RunId, t.TaskId, t.MapIndex), t.TryNumber)] =
                    new TryStarted(run, t.NextMethod is { } method ? new TryResume(method, t.NextKwargs, t.NextEvent) : null);
            }
        }

        return result;
    }

    /// <summary>
    /// Ends tries, in one round trip for the batch on PostgreSQL: each try only if its row is still that try in one of
    /// <paramref name="from"/> (running unless given), recorded in the history, its run flagged for evaluation. A try
    /// whose task instance was cleared while it ran (restarting) goes back to none, to run again. Returns the tries
    /// that ended; nothing is written for the others.
    /// </summary>
    public async Task<IReadOnlySet<TryKey>> FinishManyAsync(IReadOnlyList<TryEnd> ends, DateTimeOffset now, IReadOnlyCollection<TaskInstanceState>? from = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ends);
        var fromStates = from ?? [TaskInstanceState.Running];
        foreach (var end in ends)
        {
            TaskInstanceTransitions.Require(fromStates, end.State);
        }

        var result = new HashSet<TryKey>();
        if (ends.Count == 0)
        {
            return result;
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        foreach (var chunk in ends.Chunk(500))
        {
            var parameters = new DynamicParameters(new { At = Micros.From(now) });
            var rows = new List<string>(chunk.Length);
            for (var i = 0; i < chunk.Length; i++)
            {
                var e = chunk[i];
                parameters.AddDynamicParams(new Dictionary<string, object?>
                {
                    [$"d{i}"] = e.Key.DagId, [$"r{i}"] = e.Key.RunId, [$"t{i}"] = e.Key.TaskId, [$"m{i}"] = e.Key.MapIndex,
                    [$"n{i}"] = e.TryNumber, [$"s{i}"] = e.State.ToWireName(),
                });
                parameters.Add($"x{i}", Micros.From(e.NextRetryAt), System.Data.DbType.Int64);
                rows.Add($"(@d{i}, @r{i}, @t{i}, @m{i}, @n{i}, @s{i}, @x{i})");
            }

            var restarting = StateSql.Of(TaskInstanceState.Restarting);
            const string Columns = "dag_id, run_id, task_id, map_index, try_number, state, retry";
            var values = $"WITH v ({Columns}) AS (VALUES {string.Join(", ", rows)})";

            // state last: MySQL assigns left to right, and next_retry_at reads the state it had.
            var sets = $"""
                next_retry_at = CASE WHEN task_instance.state = {restarting} THEN NULL ELSE v.retry END,
                    end_date = @At, {NoDeferral},
                    duration = CASE WHEN task_instance.start_date IS NULL THEN NULL ELSE (@At - task_instance.start_date) / 1000000.0 END,
                    state = CASE WHEN task_instance.state = {restarting} THEN {StateSql.Of(TaskInstanceState.None)} ELSE v.state END
                """;
            var where = $"""
                task_instance.dag_id = v.dag_id AND task_instance.run_id = v.run_id AND task_instance.task_id = v.task_id
                    AND task_instance.map_index = v.map_index AND task_instance.try_number = v.try_number
                    AND task_instance.state IN ({StateSql.List([.. fromStates, TaskInstanceState.Restarting])})
                """;
            var update = $"UPDATE task_instance SET {sets} FROM v WHERE {where}";
            List<(string DagId, string RunId, string TaskId, int MapIndex, int TryNumber)> ended;
            var withEvents = chunk.Where(e => (e.OutletEvents is { Count: > 0 } || e.AliasEvents is { Count: > 0 }) && e.State == TaskInstanceState.Success).ToList();
            if (database.Dialect == SqlDialect.Postgres)
            {
                // Asset events are recorded in the same transaction as the success they come from.
                await using var transaction = withEvents.Count > 0 ? await connection.BeginTransactionAsync(cancellationToken) : null;
                ended = (await connection.QueryAsync<(string, string, string, int, int)>(
                    $"""
                    {values},
                    ended AS ({update}
                        RETURNING task_instance.dag_id, task_instance.run_id, task_instance.task_id, task_instance.map_index, task_instance.try_number,
                            v.state AS outcome, task_instance.hostname, task_instance.pid, task_instance.start_date, task_instance.end_date,
                            task_instance.duration, task_instance.executor),
                    history AS ({HistoryInsert} SELECT dag_id, run_id, task_id, map_index, try_number, outcome, hostname, pid, start_date, end_date, duration, executor FROM ended {HistoryConflict}),
                    flagged AS (UPDATE dag_run SET needs_evaluation = 1 FROM (SELECT DISTINCT dag_id, run_id FROM ended) e WHERE dag_run.dag_id = e.dag_id AND dag_run.run_id = e.run_id)
                    SELECT dag_id, run_id, task_id, map_index, try_number FROM ended
                    """,
                    parameters,
                    transaction)).ToList();
                if (transaction is not null)
                {
                    await RecordOutletEventsAsync(connection, transaction, withEvents, ended, now);
                    await transaction.CommitAsync(cancellationToken);
                }
            }
            else
            {
                // A deadlock (MySQL) rolled the whole transaction back: it runs again.
                ended = await MetadataDatabase.RetryDeadlocksAsync(FinishChunkAsync, cancellationToken);
            }

            // SQLite and MySQL: the update, the history, the flags and the asset events in one transaction.
            async Task<List<(string DagId, string RunId, string TaskId, int MapIndex, int TryNumber)>> FinishChunkAsync()
            {
                List<(string DagId, string RunId, string TaskId, int MapIndex, int TryNumber)> changed;
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                if (database.Dialect == SqlDialect.MySql)
                {
                    // No RETURNING: the rows are locked and read, then changed, in the transaction.
                    changed = await PortableSql.UpdateFromRowsReturningMySqlAsync<(string, string, string, int, int)>(
                        connection,
                        transaction,
                        "task_instance",
                        Columns,
                        rows,
                        sets,
                        where,
                        "task_instance.dag_id, task_instance.run_id, task_instance.task_id, task_instance.map_index, task_instance.try_number",
                        parameters);
                }
                else
                {
                    changed = (await connection.QueryAsync<(string, string, string, int, int)>(
                        $"{values} {update} RETURNING dag_id, run_id, task_id, map_index, try_number", parameters, transaction)).ToList();
                }

                var outcomes = new Dictionary<(TaskInstanceKey, int), TaskInstanceState>();
                foreach (var e in chunk)
                {
                    outcomes.TryAdd((e.Key, e.TryNumber), e.State);
                }

                foreach (var (dagId, runId, taskId, mapIndex, tryNumber) in changed)
                {
                    var key = new TaskInstanceKey(dagId, runId, taskId, mapIndex);
                    await RecordHistoryAsync(connection, transaction, key, outcomes[(key, tryNumber)]);
                }

                await FlagRunsAsync(connection, transaction, [.. changed.Select(e => (e.DagId, e.RunId)).Distinct()], onlyUnflagged: false);
                await RecordOutletEventsAsync(connection, transaction, withEvents, changed, now);
                await transaction.CommitAsync(cancellationToken);
                return changed;
            }

            result.UnionWith(ended.Select(e => new TryKey(new TaskInstanceKey(e.DagId, e.RunId, e.TaskId, e.MapIndex), e.TryNumber)));
        }

        return result;
    }

    /// <summary>The asset events of the successes among <paramref name="ended"/>, in the transaction that ended them.</summary>
    private static async Task RecordOutletEventsAsync(
        DbConnection connection,
        DbTransaction transaction,
        List<TryEnd> withEvents,
        List<(string DagId, string RunId, string TaskId, int MapIndex, int TryNumber)> ended,
        DateTimeOffset now)
    {
        var endedKeys = ended.Select(e => new TryKey(new TaskInstanceKey(e.DagId, e.RunId, e.TaskId, e.MapIndex), e.TryNumber)).ToHashSet();
        foreach (var end in withEvents.Where(e => endedKeys.Contains(new TryKey(e.Key, e.TryNumber))).DistinctBy(e => new TryKey(e.Key, e.TryNumber)))
        {
            // A try cleared while it ran ended as none, not as a success: it updated nothing.
            if (await connection.ExecuteScalarAsync<string?>($"SELECT state FROM task_instance WHERE {KeyMatch}", end.Key, transaction) != TaskInstanceState.Success.ToWireName())
            {
                continue;
            }

            var source = new AssetEventSource(end.Key.DagId, end.Key.RunId, end.Key.TaskId, end.Key.MapIndex);
            if (end.OutletEvents is { Count: > 0 } outlets)
            {
                await AssetStore.RecordAsync(connection, transaction, outlets, source, Micros.From(now));
            }

            if (end.AliasEvents is { Count: > 0 } aliases)
            {
                await AssetStore.RecordAliasEventsAsync(connection, transaction, aliases, source, Micros.From(now));
            }
        }
    }

    private static DynamicParameters Pairs(IEnumerable<(string DagId, string RunId)> pairs)
    {
        var parameters = new DynamicParameters();
        var i = 0;
        foreach (var (dagId, runId) in pairs)
        {
            parameters.Add($"d{i}", dagId);
            parameters.Add($"r{i}", runId);
            i++;
        }

        return parameters;
    }

    private sealed class StartedTry
    {
        public string TaskId { get; init; } = "";

        public int MapIndex { get; init; }

        public int TryNumber { get; init; }

        public string? NextMethod { get; init; }

        public string? NextKwargs { get; init; }

        public string? NextEvent { get; init; }
    }

    /// <summary>
    /// Ends try <paramref name="tryNumber"/> in <paramref name="state"/> (success, failed, skipped, or up_for_retry with
    /// <paramref name="nextRetryAt"/>) if the row is still that try in one of <paramref name="from"/> (running unless
    /// given), and records the try in the history. A try whose task instance was cleared while it ran (restarting)
    /// goes back to none, to run again. False when the row no longer belongs to this try: nothing is written.
    /// </summary>
    public async Task<bool> FinishAsync(
        TaskInstanceKey key,
        int tryNumber,
        TaskInstanceState state,
        DateTimeOffset now,
        DateTimeOffset? nextRetryAt = null,
        IReadOnlyCollection<TaskInstanceState>? from = null,
        CancellationToken cancellationToken = default) =>
        (await FinishManyAsync([new TryEnd(key, tryNumber, state, nextRetryAt)], now, from, cancellationToken)).Count > 0;

    /// <summary>
    /// Expands a mapped task of a run whose instances have not started (all none): into <paramref name="count"/>
    /// instances 0…count-1, scheduled at once (the unexpanded instance becomes index 0; indexes past the count, left
    /// from an earlier expansion, become removed); with a count of 0 the task ends in <paramref name="endState"/>
    /// (skipped for an empty list, failed when it could not be expanded). One transaction; false when an instance of
    /// the task has moved on meanwhile (nothing is written).
    /// </summary>
    public async Task<bool> ExpandAsync(string dagId, string runId, string taskId, int count, TaskInstanceState endState, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        await ExpandAsync(dagId, runId, taskId, count, endState, now, schedule: true, cancellationToken);

    /// <summary>
    /// As <see cref="ExpandAsync(string, string, string, int, TaskInstanceState, DateTimeOffset, CancellationToken)"/>;
    /// with <paramref name="schedule"/> false the instances stay none (a mapped task group's task whose instances each
    /// wait for their own upstream instance) and the run is flagged, so the next pass decides each one.
    /// </summary>
    public async Task<bool> ExpandAsync(string dagId, string runId, string taskId, int count, TaskInstanceState endState, DateTimeOffset now, bool schedule, CancellationToken cancellationToken = default)
    {
        TaskInstanceTransitions.Require([TaskInstanceState.None], TaskInstanceState.Scheduled);
        TaskInstanceTransitions.Require([TaskInstanceState.None], TaskInstanceState.Removed);
        TaskInstanceTransitions.Require([TaskInstanceState.None], endState);
        var task = new { DagId = dagId, RunId = runId, TaskId = taskId, At = Micros.From(now), count };
        const string OfTask = "dag_id = @DagId AND run_id = @RunId AND task_id = @TaskId";
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var rows = (await connection.QueryAsync<(int MapIndex, string State)>(
            $"SELECT map_index, state FROM task_instance WHERE {OfTask}", task, transaction)).ToList();
        var live = rows.Where(r => r.State != TaskInstanceState.Removed.ToWireName()).ToList();
        if (live.Count == 0 || live.Any(r => r.State != TaskInstanceState.None.ToWireName()))
        {
            return false;
        }

        var none = StateSql.Of(TaskInstanceState.None);
        if (count == 0)
        {
            var first = rows.Min(r => r.MapIndex);
            await connection.ExecuteAsync(
                $"UPDATE task_instance SET state = CASE WHEN map_index = @first THEN {StateSql.Of(endState)} ELSE {StateSql.Of(TaskInstanceState.Removed)} END, " +
                $"end_date = CASE WHEN map_index = @first THEN @At ELSE end_date END WHERE {OfTask} AND state = {none}",
                new { task.DagId, task.RunId, task.TaskId, task.At, first },
                transaction);
        }
        else
        {
            await connection.ExecuteAsync($"UPDATE task_instance SET map_index = 0 WHERE {OfTask} AND map_index = -1", task, transaction);
            var next = Math.Max(rows.Max(r => r.MapIndex), 0) + 1;
            if (next < count)
            {
                // One statement for every new index, copied from index 0 with a fresh try budget.
                // MySQL takes the WITH after INSERT INTO …; PostgreSQL and SQLite before it.
                const string Numbers = "WITH RECURSIVE n(i) AS (SELECT @next UNION ALL SELECT i + 1 FROM n WHERE i + 1 < @count)";
                const string Insert = "INSERT INTO task_instance (dag_id, run_id, task_id, map_index, state, try_number, max_tries, operator, pool, pool_slots, priority_weight, queue, executor)";
                var mySql = MetadataDatabase.IsMySql(connection);
                await connection.ExecuteAsync(
                    $"""
                    {(mySql ? Insert : Numbers)}
                    {(mySql ? Numbers : Insert)}
                    SELECT t.dag_id, t.run_id, t.task_id, n.i, {none}, 0, t.max_tries - t.try_number, t.operator, t.pool, t.pool_slots, t.priority_weight, t.queue, t.executor
                    FROM n CROSS JOIN task_instance t WHERE t.{OfTask.Replace(" AND ", " AND t.", StringComparison.Ordinal)} AND t.map_index = 0
                    """,
                    new { task.DagId, task.RunId, task.TaskId, next, count },
                    transaction);
            }

            await connection.ExecuteAsync(
                $"UPDATE task_instance SET state = CASE WHEN map_index < @count THEN {StateSql.Of(schedule ? TaskInstanceState.Scheduled : TaskInstanceState.None)} ELSE {StateSql.Of(TaskInstanceState.Removed)} END " +
                $"WHERE {OfTask} AND state = {none}",
                task,
                transaction);
            if (!schedule)
            {
                await connection.ExecuteAsync("UPDATE dag_run SET needs_evaluation = 1 WHERE dag_id = @DagId AND run_id = @RunId", task, transaction);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Records that try <paramref name="tryNumber"/> of a sensor in reschedule mode is giving its slot back (its row
    /// still that running try, or restarting; next poke due at <paramref name="rescheduleDate"/>): the poke's start and
    /// end, as Airflow's task_reschedule — written before the try ends, so the next poke always sees it. When a
    /// rescheduled try is scheduled again it keeps its try number.
    /// </summary>
    public async Task RecordRescheduleAsync(TaskInstanceKey key, int tryNumber, DateTimeOffset rescheduleDate, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "INSERT INTO task_reschedule (dag_id, run_id, task_id, map_index, try_number, start_date, end_date, duration, reschedule_date) " +
            "SELECT dag_id, run_id, task_id, map_index, try_number, coalesce(start_date, @At), @At, (@At - coalesce(start_date, @At)) / 1000000.0, @Due " +
            $"FROM task_instance WHERE {KeyMatch} AND try_number = @tryNumber AND state IN ({StateSql.List([TaskInstanceState.Running, TaskInstanceState.Restarting])})",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, tryNumber, At = Micros.From(now), Due = Micros.From(rescheduleDate) });
    }

    /// <summary>The reschedules of one try, oldest first: how many times it gave its slot back, and when its first poke started.</summary>
    public async Task<IReadOnlyList<TaskReschedule>> ReschedulesAsync(TaskInstanceKey key, int tryNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(long Start, long End, double Duration, long Due)>(
            $"SELECT start_date, end_date, duration, reschedule_date FROM task_reschedule WHERE {KeyMatch} AND try_number = @tryNumber ORDER BY id",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, tryNumber });
        return [.. rows.Select(r => new TaskReschedule(tryNumber, Micros.To(r.Start), Micros.To(r.End), r.Duration, Micros.To(r.Due)))];
    }

    /// <summary>
    /// For a running try (a branch, a short-circuit): marks <paramref name="taskIds"/> of the same run skipped, those not
    /// started yet (none or scheduled), in one transaction with a check that the try still owns its task instance, and
    /// flags the run for evaluation. Returns how many were skipped, or null (nothing written) when the row is no longer
    /// that running try.
    /// </summary>
    /// <remarks>
    /// Tasks in <paramref name="sameInstance"/> (those of the try's own mapped task group) are skipped only at the try's
    /// map index: a branch in instance 0 of a mapped group chooses for instance 0 alone, as in Airflow.
    /// </remarks>
    public async Task<int?> SkipForTryAsync(TaskInstanceKey key, int tryNumber, IReadOnlyCollection<string> taskIds, DateTimeOffset now, IReadOnlySet<string>? sameInstance = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(taskIds);
        var from = TaskInstanceTransitions.Require([TaskInstanceState.None, TaskInstanceState.Scheduled], TaskInstanceState.Skipped);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);

        // Touching the try's own row first takes its row lock (PostgreSQL), so a clear or mark of it waits or wins whole.
        var owns = await connection.ExecuteAsync(
            $"UPDATE task_instance SET last_heartbeat_at = @At WHERE {KeyMatch} AND try_number = @tryNumber AND state = {StateSql.Of(TaskInstanceState.Running)}",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, tryNumber, At = Micros.From(now) },
            transaction);
        if (owns == 0)
        {
            return null;
        }

        var skipped = 0;
        foreach (var chunk in taskIds.Distinct(StringComparer.Ordinal).GroupBy(t => sameInstance?.Contains(t) == true).SelectMany(g => g.Chunk(500)))
        {
            var oneIndex = sameInstance?.Contains(chunk[0]) == true;
            var parameters = new DynamicParameters(new { key.DagId, key.RunId, key.MapIndex, At = Micros.From(now) });
            for (var i = 0; i < chunk.Length; i++)
            {
                parameters.Add($"t{i}", chunk[i]);
            }

            skipped += await connection.ExecuteAsync(
                $"UPDATE task_instance SET state = {StateSql.Of(TaskInstanceState.Skipped)}, start_date = @At, end_date = @At, duration = 0 " +
                $"WHERE dag_id = @DagId AND run_id = @RunId AND task_id IN ({string.Join(", ", chunk.Select((_, i) => $"@t{i}"))}) AND state IN ({StateSql.List(from)})" +
                (oneIndex ? " AND map_index = @MapIndex" : ""),
                parameters,
                transaction);
        }

        await FlagRunsAsync(connection, transaction, [(key.DagId, key.RunId)]);
        await transaction.CommitAsync(cancellationToken);
        return skipped;
    }

    /// <summary>
    /// Clears task instances so the scheduler runs them again: a fresh retries budget from their current try, their
    /// XComs removed, and their runs reopened (queued) when they had finished. A queued or running one becomes
    /// restarting: its try is stopped (its heartbeat no longer owns the row) and it then runs again. Returns the cleared keys.
    /// </summary>
    public async Task<IReadOnlyList<TaskInstanceKey>> ClearAsync(
        IReadOnlyCollection<(TaskInstanceKey Key, int Retries)> taskInstances,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(taskInstances);
        TaskInstanceTransitions.Require(ClearedToNone, TaskInstanceState.None);
        TaskInstanceTransitions.Require(ClearedToRestarting, TaskInstanceState.Restarting);
        var cleared = new List<TaskInstanceKey>();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (key, retries) in taskInstances)
        {
            if (await ClearOneAsync(connection, transaction, key, retries))
            {
                cleared.Add(key);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return cleared;
    }

    /// <summary>One task instance of <see cref="ClearAsync"/>, in the caller's transaction; false when it was not in a state that clears.</summary>
    internal static async Task<bool> ClearOneAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, TaskInstanceKey key, int retries)
    {
        // Each item reads only columns not yet assigned (MySQL assigns left to right): max_tries, then try_number, then
        // the deferral columns, state last.
        var updated = await connection.ExecuteAsync(
            $"UPDATE task_instance SET max_tries = try_number + @retries + 1 + CASE WHEN state = {StateSql.Of(TaskInstanceState.Scheduled)} AND next_method IS NOT NULL THEN 1 ELSE 0 END, " +
            // A resumed try waiting to be queued (scheduled, its try number lowered for the queueing to raise again):
            // cleared, its next run is a new try, not the same number again.
            $"try_number = CASE WHEN state = {StateSql.Of(TaskInstanceState.Scheduled)} AND next_method IS NOT NULL THEN try_number + 1 ELSE try_number END, " +
            $"end_date = NULL, duration = NULL, next_retry_at = NULL, {NoDeferral}, " +
            $"state = CASE WHEN state IN ({StateSql.List(ClearedToRestarting)}) THEN {StateSql.Of(TaskInstanceState.Restarting)} ELSE {StateSql.Of(TaskInstanceState.None)} END " +
            $"WHERE {KeyMatch} AND state IN ({StateSql.List([.. ClearedToNone, .. ClearedToRestarting])})",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, retries },
            transaction);
        if (updated == 0)
        {
            return false;
        }

        await connection.ExecuteAsync($"DELETE FROM xcom WHERE {KeyMatch}", key, transaction);
        await connection.ExecuteAsync(
            "UPDATE dag_run SET state = CASE WHEN state IN ('success', 'failed') THEN 'queued' ELSE state END, end_date = NULL, needs_evaluation = 1 " +
            "WHERE dag_id = @DagId AND run_id = @RunId",
            key,
            transaction);
        return true;
    }

    /// <summary>Sets (or, with null, removes) the note on a task instance; false when there is no such task instance.</summary>
    public async Task<bool> SetNoteAsync(TaskInstanceKey key, string? note, string? user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"UPDATE task_instance SET note = @note, note_user = @user WHERE {KeyMatch}",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, note, user = note is null ? null : user }) > 0;
    }

    /// <summary>
    /// A restarting task instance whose try has ended (its worker reported it, or it stopped heartbeating) goes back to
    /// none, so the scheduler runs it again; false when the row is not that restarting try.
    /// </summary>
    public async Task<bool> ResetRestartingAsync(TaskInstanceKey key, int tryNumber, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        TaskInstanceTransitions.Require([TaskInstanceState.Restarting], TaskInstanceState.None);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var updated = await connection.ExecuteAsync(
            $"UPDATE task_instance SET state = {StateSql.Of(TaskInstanceState.None)}, end_date = @At WHERE {KeyMatch} AND try_number = @tryNumber AND state = {StateSql.Of(TaskInstanceState.Restarting)}",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, tryNumber, At = Micros.From(now) },
            transaction);
        if (updated > 0)
        {
            await connection.ExecuteAsync("UPDATE dag_run SET needs_evaluation = 1 WHERE dag_id = @DagId AND run_id = @RunId", key, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return updated > 0;
    }

    /// <summary>
    /// A try that was lost before it ever started (its executor never ran it: its worker died during the hand-over)
    /// does not count as a try: the task instance goes back to scheduled with its previous try number, to be queued
    /// again. False when the row is not that queued try (it started meanwhile, or was cleared).
    /// </summary>
    public async Task<bool> RequeueAsync(TaskInstanceKey key, int tryNumber, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        TaskInstanceTransitions.Require([TaskInstanceState.Queued], TaskInstanceState.Scheduled);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            $"UPDATE task_instance SET state = {StateSql.Of(TaskInstanceState.Scheduled)}, try_number = try_number - 1, queued_dttm = NULL, {NewTryColumns} " +
            $"WHERE {KeyMatch} AND try_number = @tryNumber AND state = {StateSql.Of(TaskInstanceState.Queued)}",
            new { key.DagId, key.RunId, key.TaskId, key.MapIndex, tryNumber }) > 0;
    }

    /// <summary>Every task instance in <paramref name="state"/>.</summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> ListInStateAsync(TaskInstanceState state, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TaskInstanceRecord>($"SELECT {Columns} FROM task_instance WHERE state = {StateSql.Of(state)}")).ToList();
    }

    /// <summary>Task instances queued before <paramref name="before"/> that no runner has started.</summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> StaleQueuedAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TaskInstanceRecord>(
            $"SELECT {Columns} FROM task_instance WHERE state = {StateSql.Of(TaskInstanceState.Queued)} AND queued_dttm < @At",
            new { At = Micros.From(before) })).ToList();
    }

    /// <summary>Running (or restarting) task instances whose last heartbeat is older than <paramref name="before"/>.</summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> StaleRunningAsync(DateTimeOffset before, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TaskInstanceRecord>(
            $"SELECT {Columns} FROM task_instance WHERE state IN ({StateSql.List([TaskInstanceState.Running, TaskInstanceState.Restarting])}) " +
            "AND coalesce(last_heartbeat_at, queued_dttm, 0) < @At",
            new { At = Micros.From(before) })).ToList();
    }

    /// <summary>The columns a new try starts without: nothing of the previous try's process or times carries over.</summary>
    internal const string NewTryColumns = "hostname = NULL, pid = NULL, start_date = NULL, end_date = NULL, duration = NULL, last_heartbeat_at = NULL";

    /// <summary>
    /// <see cref="NewTryColumns"/> for a try being queued: one resuming after its deferral keeps its start, so its
    /// duration covers the wait, as in Airflow.
    /// </summary>
    internal const string QueuedTryColumns =
        "hostname = NULL, pid = NULL, start_date = CASE WHEN next_method IS NULL THEN NULL ELSE start_date END, end_date = NULL, duration = NULL, last_heartbeat_at = NULL";

    /// <summary>
    /// The columns a try that ended (or a cleared task instance) no longer needs: what it was deferred on and where it
    /// would have resumed; its trigger, if any, is dropped by the triggerer once nothing waits on it.
    /// </summary>
    internal const string NoDeferral = "trigger_id = NULL, trigger_timeout = NULL, next_method = NULL, next_kwargs = NULL, next_event = NULL";

    private static readonly TaskInstanceState[] ClearedToRestarting = [TaskInstanceState.Queued, TaskInstanceState.Running];

    // A deferred task instance has no try running (its trigger waits in the triggerer): cleared, it runs again at once.
    private static readonly TaskInstanceState[] ClearedToNone =
        [.. Enum.GetValues<TaskInstanceState>().Where(s => s.IsFinished()), TaskInstanceState.Scheduled, TaskInstanceState.UpForRetry, TaskInstanceState.UpForReschedule,
            TaskInstanceState.Deferred];

    private const string HistoryInsert =
        "INSERT INTO task_instance_history (dag_id, run_id, task_id, map_index, try_number, state, hostname, pid, start_date, end_date, duration, executor)";

    private const string HistoryConflict =
        "ON CONFLICT (dag_id, run_id, task_id, map_index, try_number) DO UPDATE SET state = excluded.state, end_date = excluded.end_date, duration = excluded.duration";

    private const string HistoryConflictMySql = "ON DUPLICATE KEY UPDATE state = VALUES(state), end_date = VALUES(end_date), duration = VALUES(duration)";

    private static Task<int> RecordHistoryAsync(DbConnection connection, DbTransaction transaction, TaskInstanceKey key, TaskInstanceState outcome) => connection.ExecuteAsync(
        $"""
        {HistoryInsert}
        SELECT dag_id, run_id, task_id, map_index, try_number, @Outcome, hostname, pid, start_date, end_date, duration, executor
        FROM task_instance WHERE {KeyMatch}
        {(MetadataDatabase.IsMySql(connection) ? HistoryConflictMySql : HistoryConflict)}
        """,
        new { key.DagId, key.RunId, key.TaskId, key.MapIndex, Outcome = outcome.ToWireName() },
        transaction);
}
