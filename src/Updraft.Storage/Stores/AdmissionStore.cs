using Dapper;
using Updraft.Core.States;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>
/// Admission: turning scheduled task instances into queued tries within pool slots, parallelism and per-DAG and
/// per-task limits. The whole read-decide-queue step runs in one transaction that holds the admission lock (an
/// advisory lock on PostgreSQL, the write lock on SQLite), so any number of schedulers together never exceed a
/// limit; the queueing itself is one statement per batch (ADR 0011).
/// </summary>
public sealed class AdmissionStore(MetadataDatabase database)
{
    private const int Batch = 500;

    /// <summary>
    /// Reads what is active and up to <paramref name="candidateLimit"/> candidates in priority order (leaving out those
    /// of full pools and of DAGs at their limit, so they do not crowd out others), lets <paramref name="select"/> choose,
    /// and queues the chosen ones, each for the executor chosen with it and with its try number up by one. Returns the
    /// rows queued. Each row records <paramref name="jobId"/>, the scheduler's job, so that another scheduler can
    /// reset it at once if this one dies. With <paramref name="wanted"/> (the open slots, and within
    /// <paramref name="parallelism"/> less what is active), fewer candidates are read first, and all of them only when
    /// those did not fill the slots.
    /// </summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> AdmitAsync(
        int candidateLimit,
        Func<AdmissionSnapshot, ValueTask<IReadOnlyList<(TaskInstanceKey Key, string Executor)>>> select,
        DateTimeOffset now,
        long? jobId = null,
        int? wanted = null,
        int? parallelism = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(select);
        TaskInstanceTransitions.Require([TaskInstanceState.Scheduled], TaskInstanceState.Queued);

        // InnoDB breaks lock cycles with other schedulers by rolling one transaction back: run it again.
        return database.Dialect == SqlDialect.MySql
            ? await MetadataDatabase.RetryDeadlocksAsync(() => AdmitOnceAsync(candidateLimit, select, now, jobId, wanted, parallelism, cancellationToken), cancellationToken)
            : await AdmitOnceAsync(candidateLimit, select, now, jobId, wanted, parallelism, cancellationToken);
    }

    private async Task<IReadOnlyList<TaskInstanceRecord>> AdmitOnceAsync(
        int candidateLimit,
        Func<AdmissionSnapshot, ValueTask<IReadOnlyList<(TaskInstanceKey Key, string Executor)>>> select,
        DateTimeOffset now,
        long? jobId,
        int? wanted,
        int? parallelism,
        CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // The lock, what is active and the pools: one round trip.
        List<(string DagId, string TaskId, string Pool, int Count, long Slots, int DagLimit)> active;
        Dictionary<string, int> pools;
        List<string> includingDeferred;
        await using (var grid = await connection.QueryMultipleAsync(
            $"""
            {(database.AdmissionLock is { } lockSql ? lockSql + ";" : "")}
            SELECT ti.dag_id, ti.task_id, ti.pool, count(*), sum(ti.pool_slots), coalesce(max(d.max_active_tasks), 16)
            FROM task_instance ti LEFT JOIN dag d ON d.dag_id = ti.dag_id
            WHERE ti.state IN ({StateSql.Active}) GROUP BY ti.dag_id, ti.task_id, ti.pool;
            SELECT pool, slots, include_deferred FROM slot_pool
            """,
            transaction: transaction))
        {
            if (database.AdmissionLock is not null)
            {
                await grid.ReadAsync();
            }

            active = (await grid.ReadAsync<(string DagId, string TaskId, string Pool, int Count, long Slots, int DagLimit)>()).ToList();
            var read = (await grid.ReadAsync<(string Pool, int Slots, int IncludeDeferred)>()).ToList();
            pools = read.ToDictionary(p => p.Pool, p => p.Slots, StringComparer.Ordinal);
            includingDeferred = [.. read.Where(p => p.IncludeDeferred != 0).Select(p => p.Pool)];
        }

        // Deferred task instances hold slots only in pools that include deferred (Airflow's include_deferred), and
        // never count against parallelism or the per-DAG and per-task limits. Read only when some pool includes them.
        var deferred = includingDeferred.Count == 0
            ? []
            : (await connection.QueryAsync<(string Pool, long Slots)>(
                $"SELECT pool, sum(pool_slots) FROM task_instance WHERE state = {StateSql.Of(TaskInstanceState.Deferred)} AND pool IN {DagStore.InList(includingDeferred.Count)} GROUP BY pool",
                DagStore.Parameters(includingDeferred),
                transaction)).ToList();

        var perDag = Sum(active.Select(a => (a.DagId, a.Count)));
        var poolUsed = Sum(active.Select(a => (a.Pool, (int)a.Slots)).Concat(deferred.Select(d => (d.Pool, (int)d.Slots))));
        var perTask = active.GroupBy(a => (a.DagId, a.TaskId)).ToDictionary(g => g.Key, g => g.Sum(a => a.Count));
        var dagLimits = active.GroupBy(a => a.DagId, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First().DagLimit, StringComparer.Ordinal);
        var fullPools = pools.Where(p => poolUsed.GetValueOrDefault(p.Key) >= p.Value).Select(p => p.Key).ToList();
        var fullDags = perDag.Where(d => d.Value >= dagLimits[d.Key]).Select(d => d.Key).ToList();

        var parameters = new DynamicParameters();
        var exclusions = Exclude("ti.pool", "p", fullPools, parameters) + Exclude("ti.dag_id", "d", fullDags, parameters);
        async Task<List<AdmissionCandidate>> CandidatesAsync(int limit)
        {
            parameters.Add("limit", limit);
            return (await connection.QueryAsync<AdmissionCandidate>(
                $"""
                SELECT ti.dag_id AS DagId, ti.run_id AS RunId, ti.task_id AS TaskId, ti.map_index AS MapIndex, ti.pool AS Pool, ti.pool_slots AS PoolSlots,
                       ti.priority_weight AS PriorityWeight, ti.executor AS Executor, r.dag_version AS DagVersion, coalesce(d.max_active_tasks, 16) AS DagMaxActiveTasks
                FROM (
                    SELECT dag_id, run_id, task_id, map_index, pool, pool_slots, priority_weight, executor FROM task_instance ti
                    WHERE ti.state = {StateSql.Of(TaskInstanceState.Scheduled)}{exclusions}
                    ORDER BY ti.priority_weight DESC, ti.dag_id, ti.run_id, ti.task_id, ti.map_index LIMIT @limit) ti
                JOIN dag_run r ON r.dag_id = ti.dag_id AND r.run_id = ti.run_id LEFT JOIN dag d ON d.dag_id = ti.dag_id
                ORDER BY ti.priority_weight DESC, ti.dag_id, ti.run_id, ti.task_id, ti.map_index
                """,
                parameters,
                transaction)).ToList();
        }

        // The candidates are picked from task_instance alone, in the admission index's order, before any join: a plan
        // that cannot sort every scheduled row however stale the table's statistics are (a table that just filled).
        // Reading a few times as many candidates as there are open slots is enough when nothing else holds them back;
        // when per-task limits or executors left slots unfilled and there are more, the full list is read instead.
        var activeTotal = active.Sum(a => a.Count);
        if (parallelism is { } cap && wanted is { } open)
        {
            wanted = Math.Min(open, cap - activeTotal);
        }

        if (wanted <= 0)
        {
            // At the parallelism limit: nothing can be queued, so no candidate is read.
            await transaction.CommitAsync(cancellationToken);
            return [];
        }

        var firstLimit = wanted is { } w ? Math.Min(candidateLimit, Math.Max(4 * w, 32)) : candidateLimit;
        var candidates = await CandidatesAsync(firstLimit);
        if (candidates.Count == 0)
        {
            await transaction.CommitAsync(cancellationToken);
            return [];
        }

        var chosen = await select(new AdmissionSnapshot(candidates, activeTotal, perDag, perTask, poolUsed, pools));
        if (chosen.Count < wanted && candidates.Count == firstLimit && firstLimit < candidateLimit)
        {
            chosen = await select(new AdmissionSnapshot(await CandidatesAsync(candidateLimit), activeTotal, perDag, perTask, poolUsed, pools));
        }

        var queued = new List<TaskInstanceRecord>(chosen.Count);
        foreach (var forExecutor in chosen.GroupBy(c => c.Executor, StringComparer.Ordinal))
        {
            foreach (var chunk in forExecutor.Select(c => c.Key).Chunk(Batch))
            {
                queued.AddRange(await QueueAsync(connection, transaction, chunk, forExecutor.Key, jobId, now));
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return queued;
    }

    /// <summary>
    /// One statement for a batch: each row is queued only if still scheduled, and returned. The keys are one condition
    /// each, so that even the generic plan of the prepared statement looks rows up by key; joined to a list of
    /// values, PostgreSQL's generic plan scanned every scheduled row.
    /// </summary>
    private static async Task<IEnumerable<TaskInstanceRecord>> QueueAsync(
        System.Data.Common.DbConnection connection,
        System.Data.Common.DbTransaction transaction,
        TaskInstanceKey[] keys,
        string executor,
        long? jobId,
        DateTimeOffset now)
    {
        var parameters = new DynamicParameters(new { executor, jobId, At = Micros.From(now) });
        var rows = new List<string>(keys.Length);
        for (var i = 0; i < keys.Length; i++)
        {
            parameters.Add($"d{i}", keys[i].DagId);
            parameters.Add($"r{i}", keys[i].RunId);
            parameters.Add($"t{i}", keys[i].TaskId);
            parameters.Add($"m{i}", keys[i].MapIndex);
            rows.Add($"(dag_id = @d{i} AND run_id = @r{i} AND task_id = @t{i} AND map_index = @m{i})");
        }

        // state last: MySQL assigns left to right.
        var update = $"""
            UPDATE task_instance SET try_number = try_number + 1, queued_dttm = @At, executor = @executor, queued_by_job_id = @jobId,
                next_retry_at = NULL, {TaskInstanceStore.QueuedTryColumns}, state = {StateSql.Of(TaskInstanceState.Queued)}
            WHERE state = {StateSql.Of(TaskInstanceState.Scheduled)} AND ({string.Join(" OR ", rows)})
            """;
        if (!MetadataDatabase.IsMySql(connection))
        {
            return await connection.QueryAsync<TaskInstanceRecord>($"{update} RETURNING {TaskInstanceStore.Columns}", parameters, transaction);
        }

        // No RETURNING there: the scheduled rows are locked and their keys read, then queued and read back.
        var queued = (await connection.QueryAsync<(string DagId, string RunId, string TaskId, int MapIndex)>(
            $"SELECT dag_id, run_id, task_id, map_index FROM task_instance WHERE state = {StateSql.Of(TaskInstanceState.Scheduled)} AND ({string.Join(" OR ", rows)}) FOR UPDATE",
            parameters,
            transaction)).ToList();
        if (queued.Count == 0)
        {
            return [];
        }

        await connection.ExecuteAsync(update, parameters, transaction);
        var back = new DynamicParameters();
        var match = new List<string>(queued.Count);
        for (var i = 0; i < queued.Count; i++)
        {
            back.Add($"d{i}", queued[i].DagId);
            back.Add($"r{i}", queued[i].RunId);
            back.Add($"t{i}", queued[i].TaskId);
            back.Add($"m{i}", queued[i].MapIndex);
            match.Add($"(dag_id = @d{i} AND run_id = @r{i} AND task_id = @t{i} AND map_index = @m{i})");
        }

        return await connection.QueryAsync<TaskInstanceRecord>($"SELECT {TaskInstanceStore.Columns} FROM task_instance WHERE {string.Join(" OR ", match)}", back, transaction);
    }

    private static Dictionary<string, int> Sum(IEnumerable<(string Name, int Count)> items)
    {
        var sums = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (name, count) in items)
        {
            sums[name] = sums.GetValueOrDefault(name) + count;
        }

        return sums;
    }

    private static string Exclude(string column, string prefix, List<string> values, DynamicParameters parameters)
    {
        if (values.Count == 0)
        {
            return "";
        }

        for (var i = 0; i < values.Count; i++)
        {
            parameters.Add($"{prefix}{i}", values[i]);
        }

        return $" AND {column} NOT IN ({string.Join(", ", values.Select((_, i) => $"@{prefix}{i}"))})";
    }
}
