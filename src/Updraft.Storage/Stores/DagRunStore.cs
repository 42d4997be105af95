using System.Text.Json.Nodes;
using Dapper;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>DAG runs: created with all their task instances in one transaction, listed, and moved between states.</summary>
public sealed class DagRunStore(MetadataDatabase database) : IDagRunStore
{
    private const string SelectRun = SelectRunColumns + " FROM dag_run";

    /// <summary>The run columns, named as <see cref="DagRunRecord"/>'s properties, for statements of other stores.</summary>
    internal const string RunColumns =
        """
        id AS Id, dag_id AS DagId, run_id AS RunId, run_type AS RunType, dag_version AS DagVersion, logical_date AS LogicalDate,
        data_interval_start AS DataIntervalStart, data_interval_end AS DataIntervalEnd, run_after AS RunAfter, state AS StateName,
        conf AS Conf, queued_at AS QueuedAt, start_date AS StartDate, end_date AS EndDate, backfill_id AS BackfillId, note AS Note,
        note_user AS NoteUser
        """;

    private const string SelectRunColumns = "SELECT " + RunColumns;

    private static readonly Dictionary<string, string> RunSortable = new(StringComparer.Ordinal)
    {
        ["id"] = "id",
        ["dag_id"] = "dag_id",
        ["run_id"] = "run_id",
        ["logical_date"] = "logical_date",
        ["run_after"] = "run_after",
        ["start_date"] = "start_date",
        ["end_date"] = "end_date",
        ["state"] = "state",
        ["run_type"] = "run_type",
        ["queued_at"] = "queued_at",
        ["data_interval_start"] = "data_interval_start",
        ["data_interval_end"] = "data_interval_end",
    };

    public async Task<Page<DagRunRecord>> QueryAsync(DagRunQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var sql = new ListSql("dag_run", RunSortable, "logical_date DESC", "id DESC")
            .In("dag_id", query.DagIds)
            .In("run_id", query.RunIds)
            .In("state", query.States, s => s.ToWireName())
            .In("run_type", query.RunTypes);
        Range(sql, "logical_date", query.LogicalDateGte, query.LogicalDateLte);
        Range(sql, "start_date", query.StartDateGte, query.StartDateLte);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<DagRunRecord>(connection, SelectRunColumns, query.Page);

        static void Range(ListSql sql, string column, DateTimeOffset? from, DateTimeOffset? to)
        {
            if (from is { } f)
            {
                sql.Where($"{column} >= @value", Micros.From(f));
            }

            if (to is { } t)
            {
                sql.Where($"{column} <= @value", Micros.From(t));
            }
        }
    }

    /// <summary>Creates a run in <paramref name="state"/> and a task instance (state none) for each task.</summary>
    public async Task<DagRunRecord> CreateAsync(
        SerializedDag dag,
        int dagVersion,
        string runId,
        DagRunType runType,
        DagRunInfo info,
        JsonObject? conf,
        DagRunState state,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(info);
        Names.RunId(runId);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var id = await InsertRunAsync(connection, transaction, dag, dagVersion, runId, runType, info, conf, state, now, backfillId: null)
            ?? throw new DagRunExistsException(dag.DagId, runId);

        // Read inside the transaction: once committed, a scheduler may start the run at once.
        var created = await connection.QuerySingleAsync<DagRunRecord>($"{SelectRun} WHERE id = @id", new { id }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    /// <summary>
    /// Inserts a run and a task instance (state none) for each task in the caller's transaction; null when the run id
    /// is taken (another scheduler, or a person, created it first: skipped in the same statement, never a unique
    /// violation that would abort the caller's transaction).
    /// </summary>
    internal static async Task<long?> InsertRunAsync(
        System.Data.Common.DbConnection connection,
        System.Data.Common.DbTransaction transaction,
        SerializedDag dag,
        int dagVersion,
        string runId,
        DagRunType runType,
        DagRunInfo info,
        JsonObject? conf,
        DagRunState state,
        DateTimeOffset now,
        long? backfillId)
    {
        var at = Micros.From(now);
        const string Insert = """
            INSERT INTO dag_run (dag_id, run_id, run_type, dag_version, logical_date, data_interval_start, data_interval_end, run_after, state, conf, queued_at, start_date, backfill_id)
            VALUES (@DagId, @runId, @RunType, @dagVersion, @Logical, @Start, @End, @After, @State, @Conf, @at, @StartDate, @backfillId)
            """;
        var parameters = new
            {
                dag.DagId,
                runId,
                RunType = RunIds.Prefix(runType),
                dagVersion,
                Logical = Micros.From(info.LogicalDate),
                Start = Micros.From(info.DataInterval.Start),
                End = Micros.From(info.DataInterval.End),
                After = Micros.From(info.RunAfter),
                State = state.ToWireName(),
                Conf = (conf ?? []).ToJsonString(),
                at,
                StartDate = state == DagRunState.Running ? at : (long?)null,
                backfillId,
            };
        long? inserted;
        if (MetadataDatabase.IsMySql(connection))
        {
            // No RETURNING there; a duplicate key fails only the statement, not the transaction.
            try
            {
                await connection.ExecuteAsync(Insert, parameters, transaction);
                inserted = await connection.ExecuteScalarAsync<long>("SELECT LAST_INSERT_ID()", transaction: transaction);
            }
            catch (Exception e) when (MetadataDatabase.IsDuplicateKey(e))
            {
                inserted = null;
            }
        }
        else
        {
            inserted = await connection.ExecuteScalarAsync<long?>(Insert + " ON CONFLICT (dag_id, run_id) DO NOTHING RETURNING id", parameters, transaction);
        }

        if (inserted is { })
        {
            await InsertTaskInstancesAsync(connection, transaction, dag.DagId, runId, dag.Tasks);
        }

        return inserted;
    }

    /// <summary>
    /// Moves a run to another version of its DAG (<c>tasks clear --run-on-latest-version</c>): task instances of tasks
    /// missing from that version become <c>removed</c> (unless a try of theirs is still queued, running or deferred),
    /// tasks new in it get task instances, and tasks back in it after being removed start again from none. Returns
    /// the ids of the tasks removed.
    /// </summary>
    public async Task<IReadOnlyList<string>> MoveToVersionAsync(DagRunRecord run, SerializedDag dag, int dagVersion, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(run);
        ArgumentNullException.ThrowIfNull(dag);
        var removable = TaskInstanceTransitions.Require(
            [.. Enum.GetValues<TaskInstanceState>().Where(s => s is not (TaskInstanceState.Queued or TaskInstanceState.Running or TaskInstanceState.Restarting or TaskInstanceState.Deferred or TaskInstanceState.Removed))],
            TaskInstanceState.Removed);
        TaskInstanceTransitions.Require([TaskInstanceState.Removed], TaskInstanceState.None);
        var taskIds = dag.Tasks.Select(t => t.TaskId).ToHashSet(StringComparer.Ordinal);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var existing = (await connection.QueryAsync<(string TaskId, string State)>(
            "SELECT task_id, state FROM task_instance WHERE dag_id = @DagId AND run_id = @RunId", new { run.DagId, run.RunId }, transaction)).ToList();
        var removed = new List<string>();
        foreach (var (taskId, state) in existing)
        {
            var gone = !taskIds.Contains(taskId);
            if (gone || state == TaskInstanceState.Removed.ToWireName())
            {
                var (to, from) = gone ? (TaskInstanceState.Removed, removable) : (TaskInstanceState.None, [TaskInstanceState.Removed]);
                var moved = await connection.ExecuteAsync(
                    $"UPDATE task_instance SET state = {StateSql.Of(to)} WHERE dag_id = @DagId AND run_id = @RunId AND task_id = @taskId AND state IN ({StateSql.List(from)})",
                    new { run.DagId, run.RunId, taskId },
                    transaction);
                if (gone && moved > 0)
                {
                    removed.Add(taskId);
                }
            }
        }

        var known = existing.Select(e => e.TaskId).ToHashSet(StringComparer.Ordinal);
        var revived = existing.Any(e => taskIds.Contains(e.TaskId) && e.State == TaskInstanceState.Removed.ToWireName());
        var added = await InsertTaskInstancesAsync(connection, transaction, run.DagId, run.RunId, [.. dag.Tasks.Where(t => !known.Contains(t.TaskId))]);

        // Tasks to run (new ones, or ones back in this version) reopen a finished run, as clearing does.
        await connection.ExecuteAsync(
            "UPDATE dag_run SET dag_version = @dagVersion, needs_evaluation = 1" +
            (added > 0 || revived ? ", state = CASE WHEN state IN ('success', 'failed') THEN 'queued' ELSE state END, end_date = CASE WHEN state IN ('success', 'failed') THEN NULL ELSE end_date END" : "") +
            " WHERE id = @Id",
            new { dagVersion, run.Id },
            transaction);
        await transaction.CommitAsync(cancellationToken);
        return removed;
    }

    /// <summary>A task instance in state none, try 0, for each task of a run.</summary>
    private static Task<int> InsertTaskInstancesAsync(System.Data.Common.DbConnection connection, System.Data.Common.DbTransaction transaction, string dagId, string runId, IEnumerable<SerializedTask> tasks) =>
        connection.ExecuteAsync(
            """
            INSERT INTO task_instance (dag_id, run_id, task_id, map_index, state, try_number, max_tries, operator, pool, pool_slots, priority_weight, queue, executor)
            VALUES (@DagId, @RunId, @TaskId, -1, 'none', 0, @MaxTries, @Operator, @Pool, @PoolSlots, @PriorityWeight, @Queue, @Executor)
            """,
            tasks.Select(t => new
            {
                DagId = dagId,
                RunId = runId,
                t.TaskId,
                MaxTries = t.Retries + 1,
                t.Operator,
                t.Pool,
                t.PoolSlots,
                PriorityWeight = t.PriorityWeightTotal,
                t.Queue,
                t.Executor,
            }),
            transaction);

    public async Task<DagRunRecord?> GetAsync(string dagId, string runId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<DagRunRecord>($"{SelectRun} WHERE dag_id = @dagId AND run_id = @runId", new { dagId, runId });
    }

    /// <summary>The latest runs of each DAG (by run after, newest first), at most <paramref name="perDag"/> of each.</summary>
    public async Task<IReadOnlyList<DagRunRecord>> LatestOfEachAsync(IReadOnlyCollection<string> dagIds, int perDag, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dagIds);
        if (dagIds.Count == 0)
        {
            return [];
        }

        // One query for a page of DAGs: a busy DAG cannot crowd the others out, as one LIMIT over all of them would.
        var ids = dagIds.ToList();
        var parameters = DagStore.Parameters(ids);
        parameters.Add("perDag", perDag);
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<DagRunRecord>(
            $"""
            SELECT {RunColumns} FROM (
                SELECT dag_run.*, ROW_NUMBER() OVER (PARTITION BY dag_id ORDER BY run_after DESC, id DESC) AS latest_rank
                FROM dag_run WHERE dag_id IN {DagStore.InList(ids.Count)}) ranked
            WHERE latest_rank <= @perDag ORDER BY dag_id, run_after DESC, id DESC
            """,
            parameters)).ToList();
    }

    /// <summary>Runs, newest logical date first; optionally of one DAG and in some states.</summary>
    public async Task<IReadOnlyList<DagRunRecord>> ListAsync(string? dagId = null, IReadOnlyCollection<DagRunState>? states = null, int limit = 100, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var where = new List<string>();
        if (dagId is not null)
        {
            where.Add("dag_id = @dagId");
        }

        if (states is { Count: > 0 })
        {
            where.Add("state IN (" + string.Join(", ", states.Select(s => $"'{s.ToWireName()}'")) + ")");
        }

        var sql = $"{SelectRun}{(where.Count > 0 ? " WHERE " + string.Join(" AND ", where) : "")} ORDER BY logical_date DESC, id DESC LIMIT @limit";
        return (await connection.QueryAsync<DagRunRecord>(sql, new { dagId, limit })).ToList();
    }

    /// <summary>The DAG versions of queued and running runs whose deadline has not been recorded as missed.</summary>
    public async Task<IReadOnlyList<(string DagId, int DagVersion)>> UnfinishedDagVersionsAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string, int)>(
            "SELECT DISTINCT dag_id, dag_version FROM dag_run WHERE state IN ('queued', 'running') AND deadline_missed_at IS NULL")).ToList();
    }

    /// <summary>Queued and running runs of <paramref name="dagId"/> whose deadline has not been recorded as missed.</summary>
    public async Task<IReadOnlyList<DagRunRecord>> UnfinishedWithoutMissedDeadlineAsync(string dagId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<DagRunRecord>(
            $"{SelectRun} WHERE dag_id = @dagId AND state IN ('queued', 'running') AND deadline_missed_at IS NULL ORDER BY id", new { dagId })).ToList();
    }

    /// <summary>
    /// Records that run <paramref name="id"/> missed its DAG's deadline and asks the DAG processor for the
    /// <c>deadline_missed</c> callback, in one transaction, only when the run is still unfinished and not recorded yet:
    /// however many schedulers look, the callback is asked for once. False when nothing was written.
    /// </summary>
    public async Task<bool> MissDeadlineAsync(long id, string reason, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string Update = "UPDATE dag_run SET deadline_missed_at = @At WHERE id = @id AND deadline_missed_at IS NULL AND state IN ('queued', 'running')";
        var runs = database.Dialect == SqlDialect.MySql
            // No RETURNING there: the run is read in the transaction once the update has locked it.
            ? await connection.ExecuteAsync(Update, new { id, At = Micros.From(now) }, transaction) == 0
                ? []
                : (await connection.QueryAsync<(string DagId, string RunId)>("SELECT dag_id, run_id FROM dag_run WHERE id = @id", new { id }, transaction)).ToList()
            : (await connection.QueryAsync<(string DagId, string RunId)>(Update + " RETURNING dag_id, run_id", new { id, At = Micros.From(now) }, transaction)).ToList();
        if (runs.Count == 0)
        {
            return false;
        }

        var missed = runs[0];

        await connection.ExecuteAsync(
            "INSERT INTO callback_request (dag_id, run_id, event, reason, created_at) VALUES (@DagId, @RunId, 'deadline_missed', @reason, @At)",
            new { missed.DagId, missed.RunId, reason, At = Micros.From(now) },
            transaction);
        await transaction.CommitAsync(cancellationToken);
        return true;
    }

    /// <summary>
    /// Claims up to <paramref name="limit"/> running runs that need evaluation and clears their flag, so a change
    /// after this moment flags them again. On PostgreSQL, rows another scheduler is claiming are skipped.
    /// </summary>
    public async Task<IReadOnlyList<DagRunRecord>> ClaimForEvaluationAsync(int limit, CancellationToken cancellationToken = default)
    {
        if (database.Dialect == SqlDialect.MySql)
        {
            return await MetadataDatabase.RetryDeadlocksAsync(() => ClaimForEvaluationMySqlAsync(limit, cancellationToken), cancellationToken);
        }

        await using var connection = await database.OpenAsync(cancellationToken);

        // One statement: pick, clear the flag and return (a round trip, not a transaction of four).
        var runs = await connection.QueryAsync<DagRunRecord>(
            $"""
            UPDATE dag_run SET needs_evaluation = 0
            WHERE id IN (SELECT id FROM dag_run WHERE state = 'running' AND needs_evaluation = 1 ORDER BY id LIMIT @limit{database.ForUpdateSkipLocked})
            RETURNING {RunColumns}
            """,
            new { limit });
        return [.. runs.OrderBy(r => r.Id)];
    }

    /// <summary>MySQL: no RETURNING and no LIMIT in an IN subquery there; pick under lock, then clear the flag.</summary>
    private async Task<IReadOnlyList<DagRunRecord>> ClaimForEvaluationMySqlAsync(int limit, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var picked = (await connection.QueryAsync<DagRunRecord>(
            $"SELECT {RunColumns} FROM dag_run WHERE state = 'running' AND needs_evaluation = 1 ORDER BY id LIMIT @limit{database.ForUpdateSkipLocked}",
            new { limit },
            transaction)).ToList();
        if (picked.Count > 0)
        {
            await connection.ExecuteAsync(
                "UPDATE dag_run SET needs_evaluation = 0 WHERE id IN @ids", new { ids = picked.Select(r => r.Id).ToList() }, transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return picked;
    }

    /// <summary>Marks every running run for evaluation.</summary>
    public async Task FlagAllRunningAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync("UPDATE dag_run SET needs_evaluation = 1 WHERE state = 'running' AND needs_evaluation = 0");
    }

    /// <summary>Queued plus running runs per DAG (or running only).</summary>
    public async Task<Dictionary<string, int>> ActiveCountsAsync(bool runningOnly = false, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(string DagId, int Count)>(
                $"SELECT dag_id, count(*) FROM dag_run WHERE state IN ({(runningOnly ? "'running'" : "'queued', 'running'")}) AND backfill_id IS NULL GROUP BY dag_id"))
            .ToDictionary(r => r.DagId, r => r.Count, StringComparer.Ordinal);
    }

    /// <summary>
    /// Queued runs the scheduler may start, in the order it starts them (Airflow's): runs of unpaused DAGs only, and
    /// of a backfill only while it is not paused, and only of groups (a DAG's runs of no backfill, or one backfill's
    /// runs) with fewer running than their limit — so a full group never fills the page and starves the others; runs
    /// of no backfill first, then backfill runs in their backfill's
    /// order (oldest interval first, or newest when it runs backwards); then by when they were queued.
    /// </summary>
    public async Task<IReadOnlyList<DagRunRecord>> StartableQueuedAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<DagRunRecord>(
            $"""
            SELECT {string.Join(", ", RunColumns.Split(',').Select(c => "r." + c.Trim()))}
            FROM dag_run r
            JOIN dag d ON d.dag_id = r.dag_id AND d.is_paused = 0
            LEFT JOIN backfill b ON b.id = r.backfill_id
            LEFT JOIN backfill_dag_run bdr ON bdr.backfill_id = r.backfill_id AND bdr.dag_run_id = r.id
            LEFT JOIN (SELECT dag_id, coalesce(backfill_id, -1) AS backfill_key, count(*) AS running FROM dag_run WHERE state = 'running' GROUP BY dag_id, coalesce(backfill_id, -1)) c
                ON c.dag_id = r.dag_id AND c.backfill_key = coalesce(r.backfill_id, -1)
            WHERE r.state = 'queued' AND (b.id IS NULL OR b.is_paused = 0)
                AND coalesce(c.running, 0) < coalesce(b.max_active_runs, d.max_active_runs)
            ORDER BY CASE WHEN r.backfill_id IS NULL THEN 0 ELSE 1 END, bdr.sort_ordinal, r.queued_at, r.id
            LIMIT @limit
            """,
            new { limit })];
    }

    /// <summary>
    /// Starts queued runs in the order given, each only while its group — the DAG's runs of no backfill, or one
    /// backfill's runs — has fewer running than its limit (<paramref name="limitOf"/>). One transaction under
    /// <see cref="MetadataDatabase.RunStartLock"/> counts and starts, so schedulers together never exceed a limit.
    /// Returns the runs started.
    /// </summary>
    public async Task<IReadOnlyList<DagRunRecord>> StartQueuedAsync(IReadOnlyList<DagRunRecord> candidates, Func<DagRunRecord, int> limitOf, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        ArgumentNullException.ThrowIfNull(limitOf);
        DagRunTransitions.Require(DagRunState.Queued, DagRunState.Running);

        // InnoDB breaks lock cycles with other schedulers' claims by rolling one transaction back: run it again.
        return database.Dialect == SqlDialect.MySql
            ? await MetadataDatabase.RetryDeadlocksAsync(() => StartQueuedOnceAsync(candidates, limitOf, now, cancellationToken), cancellationToken)
            : await StartQueuedOnceAsync(candidates, limitOf, now, cancellationToken);
    }

    private async Task<IReadOnlyList<DagRunRecord>> StartQueuedOnceAsync(IReadOnlyList<DagRunRecord> candidates, Func<DagRunRecord, int> limitOf, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var started = new List<DagRunRecord>();
        if (candidates.Count == 0)
        {
            return started;
        }

        const string RunningSql = "SELECT dag_id, backfill_id, count(*) FROM dag_run WHERE state = 'running' GROUP BY dag_id, backfill_id";
        await using var connection = await database.OpenAsync(cancellationToken);

        // A read first: when every candidate's group is full (a long backfill waiting), no write transaction is opened.
        var before = (await connection.QueryAsync<(string DagId, long? BackfillId, int Count)>(RunningSql))
            .ToDictionary(r => (r.DagId, r.BackfillId), r => r.Count);
        if (!candidates.Any(run => before.GetValueOrDefault((run.DagId, run.BackfillId)) < limitOf(run)))
        {
            return started;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        if (database.RunStartLock is { } runStartLock)
        {
            await connection.ExecuteAsync(runStartLock, transaction: transaction);
        }

        var running = (await connection.QueryAsync<(string DagId, long? BackfillId, int Count)>(RunningSql, transaction: transaction))
            .ToDictionary(r => (r.DagId, r.BackfillId), r => r.Count);
        var at = Micros.From(now);
        foreach (var run in candidates)
        {
            var key = (run.DagId, run.BackfillId);
            var count = running.GetValueOrDefault(key);
            if (count < limitOf(run) && await connection.ExecuteAsync(
                    "UPDATE dag_run SET state = 'running', start_date = coalesce(start_date, @at), needs_evaluation = 1 WHERE id = @Id AND state = 'queued'",
                    new { run.Id, at },
                    transaction) > 0)
            {
                running[key] = count + 1;
                started.Add(run);
            }
        }

        await transaction.CommitAsync(cancellationToken);
        return started;
    }

    /// <summary>Sets (or, with null, removes) the note on a run; false when there is no such run.</summary>
    public async Task<bool> SetNoteAsync(string dagId, string runId, string? note, string? user, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE dag_run SET note = @note, note_user = @user WHERE dag_id = @dagId AND run_id = @runId",
            new { dagId, runId, note, user = note is null ? null : user }) > 0;
    }

    /// <summary>The data interval of the DAG's latest scheduled or backfill run, which the timetable continues from.</summary>
    public async Task<DataInterval?> LatestAutomatedIntervalAsync(string dagId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QueryFirstOrDefaultAsync<(long Start, long End)?>(
            "SELECT data_interval_start, data_interval_end FROM dag_run WHERE dag_id = @dagId AND run_type IN ('scheduled', 'backfill') ORDER BY logical_date DESC LIMIT 1",
            new { dagId });
        return row is { } r ? new DataInterval(Micros.To(r.Start), Micros.To(r.End)) : null;
    }

    public async Task<bool> DeleteAsync(string dagId, string runId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var table in new[] { "xcom", "rendered_task_instance_fields", "task_instance_history", "task_instance" })
        {
            await connection.ExecuteAsync($"DELETE FROM {table} WHERE dag_id = @dagId AND run_id = @runId", new { dagId, runId }, transaction);
        }

        var deleted = await connection.ExecuteAsync("DELETE FROM dag_run WHERE dag_id = @dagId AND run_id = @runId", new { dagId, runId }, transaction) > 0;
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>
    /// Moves a run from <paramref name="from"/> to <paramref name="to"/>; false if it was no longer in <paramref name="from"/>.
    /// With <paramref name="unlessFlagged"/> (the scheduler finishing a run it evaluated), also false when something
    /// flagged the run for evaluation since it was claimed (a try ended, tasks were cleared): the next pass decides
    /// again from the new states, so cleared task instances are never left in a finished run.
    /// </summary>
    public async Task<bool> TransitionAsync(long id, DagRunState from, DagRunState to, DateTimeOffset now, bool unlessFlagged = false, CancellationToken cancellationToken = default)
    {
        DagRunTransitions.Require(from, to);
        await using var connection = await database.OpenAsync(cancellationToken);
        var at = Micros.From(now);
        var sql = to switch
        {
            DagRunState.Running => "UPDATE dag_run SET state = @To, start_date = coalesce(start_date, @at), needs_evaluation = 1 WHERE id = @id AND state = @From",
            DagRunState.Success or DagRunState.Failed => "UPDATE dag_run SET state = @To, end_date = @at WHERE id = @id AND state = @From",
            _ => "UPDATE dag_run SET state = @To WHERE id = @id AND state = @From",
        };
        return await connection.ExecuteAsync(sql + (unlessFlagged ? " AND needs_evaluation = 0" : ""), new { id, From = from.ToWireName(), To = to.ToWireName(), at }) > 0;
    }
}
