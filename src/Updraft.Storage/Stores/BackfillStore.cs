using Dapper;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>
/// Backfills: created with their runs in one transaction (so the scheduler never sees one half made), listed, paused,
/// cancelled, and marked complete by the scheduler once none of their runs is queued or running.
/// </summary>
public sealed class BackfillStore(MetadataDatabase database)
{
    private const string Columns =
        """
        id AS Id, dag_id AS DagId, from_date AS FromDate, to_date AS ToDate, dag_run_conf AS DagRunConf, is_paused AS IsPaused,
        reprocess_behavior AS ReprocessBehaviorName, max_active_runs AS MaxActiveRuns, run_backwards AS RunBackwards,
        triggering_user_name AS TriggeringUserName, created_at AS CreatedAt, completed_at AS CompletedAt, updated_at AS UpdatedAt
        """;

    private static readonly Dictionary<string, string> Sortable = new(StringComparer.Ordinal)
    {
        ["id"] = "id",
        ["dag_id"] = "dag_id",
        ["from_date"] = "from_date",
        ["to_date"] = "to_date",
        ["is_paused"] = "is_paused",
        ["reprocess_behavior"] = "reprocess_behavior",
        ["max_active_runs"] = "max_active_runs",
        ["created_at"] = "created_at",
        ["completed_at"] = "completed_at",
        ["updated_at"] = "updated_at",
    };

    /// <summary>
    /// Creates the backfill and carries out its plan in one transaction: new runs are inserted queued; an existing run
    /// to reprocess is taken over only if it is still finished (otherwise the interval is recorded as in flight), and
    /// its task instances are cleared. Throws <see cref="BackfillActiveException"/> when the DAG has a backfill that
    /// has not completed.
    /// </summary>
    public async Task<BackfillCreated> CreateAsync(BackfillPlan plan, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var at = Micros.From(now);
        var conf = (plan.DagRunConf ?? []).ToJsonString();
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        const string Insert = """
            INSERT INTO backfill (dag_id, from_date, to_date, dag_run_conf, is_paused, reprocess_behavior, max_active_runs, run_backwards, triggering_user_name, created_at, updated_at)
            VALUES (@DagId, @From, @To, @conf, 0, @Behavior, @MaxActiveRuns, @Backwards, @TriggeringUserName, @at, @at)
            """;
        var row = new
        {
            plan.Dag.DagId,
            From = Micros.From(plan.FromDate),
            To = Micros.From(plan.ToDate),
            conf,
            Behavior = plan.ReprocessBehavior.ToWireName(),
            plan.MaxActiveRuns,
            Backwards = plan.RunBackwards ? 1 : 0,
            plan.TriggeringUserName,
            at,
        };
        long? inserted;
        if (database.Dialect == SqlDialect.MySql)
        {
            // One active backfill per DAG is a unique index on a generated column there; its duplicate fails the statement only.
            try
            {
                inserted = await connection.ExecuteScalarAsync<long>(Insert + "; SELECT LAST_INSERT_ID()", row, transaction);
            }
            catch (Exception e) when (MetadataDatabase.IsDuplicateKey(e))
            {
                inserted = null;
            }
        }
        else
        {
            inserted = await connection.ExecuteScalarAsync<long?>(Insert + " ON CONFLICT (dag_id) WHERE completed_at IS NULL DO NOTHING RETURNING id", row, transaction);
        }

        var id = inserted ?? throw new BackfillActiveException(plan.Dag.DagId);

        var ordinal = 0;
        var (made, rerun) = (0, 0);
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var item in plan.Items)
        {
            ordinal++;
            var (runId, reason) = item switch
            {
                { Skip: { } skip } => ((long?)null, skip),
                { Reprocess: { } reprocess } => await TakeOverAsync(connection, transaction, id, reprocess.RunId, reprocess.Clear, plan.DagRunConf is { Count: > 0 } ? conf : null),
                _ => await DagRunStore.InsertRunAsync(connection, transaction, plan.Dag, plan.DagVersion, item.RunId, DagRunType.Backfill, item.Info, plan.DagRunConf, DagRunState.Queued, now, id) is { } created
                    ? (created, null)
                    : (null, BackfillExceptionReason.AlreadyExists),
            };
            if (reason is not null)
            {
                skipped[reason] = skipped.GetValueOrDefault(reason) + 1;
            }
            else if (item.Reprocess is null)
            {
                made++;
            }
            else
            {
                rerun++;
            }

            await connection.ExecuteAsync(
                "INSERT INTO backfill_dag_run (backfill_id, dag_run_id, exception_reason, logical_date, sort_ordinal) VALUES (@id, @runId, @reason, @logical, @ordinal)",
                new { id, runId, reason, logical = Micros.From(item.Info.LogicalDate), ordinal },
                transaction);
        }

        var record = await connection.QuerySingleAsync<BackfillRecord>($"SELECT {Columns} FROM backfill WHERE id = @id", new { id }, transaction);
        await transaction.CommitAsync(cancellationToken);
        return new BackfillCreated(record, made, rerun, skipped);
    }

    /// <summary>Takes over a finished run for the backfill and clears it; "in flight" when it is no longer finished.</summary>
    private static async Task<(long? RunId, string? Reason)> TakeOverAsync(
        System.Data.Common.DbConnection connection,
        System.Data.Common.DbTransaction transaction,
        long backfillId,
        long runId,
        IReadOnlyList<(TaskInstanceKey Key, int Retries)> clear,
        string? conf)
    {
        var taken = await connection.ExecuteAsync(
            "UPDATE dag_run SET backfill_id = @backfillId, run_type = 'backfill', conf = COALESCE(@conf, conf) WHERE id = @runId AND state IN ('success', 'failed')",
            new { backfillId, runId, conf },
            transaction);
        if (taken == 0)
        {
            return (null, BackfillExceptionReason.InFlight);
        }

        foreach (var (key, retries) in clear)
        {
            await TaskInstanceStore.ClearOneAsync(connection, transaction, key, retries);
        }

        // Queued even when no task instance was in a state that clears: the backfill asked for the run again.
        await connection.ExecuteAsync(
            "UPDATE dag_run SET state = 'queued', end_date = NULL, needs_evaluation = 1 WHERE id = @runId AND state IN ('success', 'failed')",
            new { runId },
            transaction);
        return (runId, null);
    }

    public async Task<BackfillRecord?> GetAsync(long id, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<BackfillRecord>($"SELECT {Columns} FROM backfill WHERE id = @id", new { id });
    }

    /// <summary>One page of backfills, of the given DAGs when <paramref name="dagIds"/> is not null; newest first by default.</summary>
    public async Task<Page<BackfillRecord>> QueryAsync(IReadOnlyCollection<string>? dagIds, PageRequest page, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(page);
        var sql = new ListSql("backfill", Sortable, "id DESC", "id").In("dag_id", dagIds);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<BackfillRecord>(connection, $"SELECT {Columns}", page);
    }

    /// <summary>The intervals of a backfill in its order, each with its run (id and run id) or why it has none.</summary>
    public async Task<IReadOnlyList<BackfillDagRun>> RunsAsync(long backfillId, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return [.. await connection.QueryAsync<BackfillDagRun>(
            """
            SELECT b.logical_date AS LogicalDate, b.sort_ordinal AS SortOrdinal, b.dag_run_id AS DagRunId, r.run_id AS RunId, b.exception_reason AS ExceptionReason
            FROM backfill_dag_run b LEFT JOIN dag_run r ON r.id = b.dag_run_id
            WHERE b.backfill_id = @backfillId ORDER BY b.sort_ordinal
            """,
            new { backfillId })];
    }

    /// <summary>Pauses or unpauses a backfill that has not completed; false when it has (or does not exist).</summary>
    public async Task<bool> SetPausedAsync(long id, bool paused, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE backfill SET is_paused = @paused, updated_at = @at WHERE id = @id AND completed_at IS NULL",
            new { id, paused = paused ? 1 : 0, at = Micros.From(now) }) > 0;
    }

    /// <summary>
    /// Cancels a backfill that has not completed, as Airflow does: it is paused and completed at once, and its runs
    /// still queued fail; runs already running go on to their end. False when it had completed (or does not exist).
    /// </summary>
    public async Task<bool> CancelAsync(long id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        DagRunTransitions.Require(DagRunState.Queued, DagRunState.Failed);
        var at = Micros.From(now);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var cancelled = await connection.ExecuteAsync(
            "UPDATE backfill SET is_paused = 1, completed_at = @at, updated_at = @at WHERE id = @id AND completed_at IS NULL",
            new { id, at },
            transaction) > 0;
        if (cancelled)
        {
            await connection.ExecuteAsync(
                "UPDATE dag_run SET state = 'failed', end_date = @at WHERE backfill_id = @id AND state = 'queued'",
                new { id, at },
                transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return cancelled;
    }

    /// <summary>Marks complete every backfill none of whose runs is queued or running; returns how many.</summary>
    public async Task<int> CompleteFinishedAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);

        // Read first: with no backfill open (the usual case) no write is made each second.
        if (await connection.ExecuteScalarAsync<long?>("SELECT id FROM backfill WHERE completed_at IS NULL LIMIT 1") is null)
        {
            return 0;
        }

        return await connection.ExecuteAsync(
            """
            UPDATE backfill SET completed_at = @at, updated_at = @at
            WHERE completed_at IS NULL AND NOT EXISTS (SELECT 1 FROM dag_run r WHERE r.backfill_id = backfill.id AND r.state IN ('queued', 'running'))
            """,
            new { at = Micros.From(now) });
    }

    /// <summary>The <c>max_active_runs</c> of the given backfills.</summary>
    public async Task<Dictionary<long, int>> MaxActiveRunsAsync(IReadOnlyCollection<long> ids, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return [];
        }

        var list = ids.Distinct().ToList();
        var parameters = new DynamicParameters();
        for (var i = 0; i < list.Count; i++)
        {
            parameters.Add($"b{i}", list[i]);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(long Id, int Max)>(
                $"SELECT id, max_active_runs FROM backfill WHERE id IN ({string.Join(", ", list.Select((_, i) => $"@b{i}"))})", parameters))
            .ToDictionary(r => r.Id, r => r.Max);
    }
}
