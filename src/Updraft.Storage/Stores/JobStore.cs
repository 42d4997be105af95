using Dapper;
using Updraft.Core.States;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>
/// The <c>job</c> table: each scheduler (and, later, triggerer) process records itself, heartbeats, and ends its row
/// when it stops. Task instances it queues carry its id (<c>queued_by_job_id</c>), so when it dies another scheduler
/// can find the tries it left behind at once, as Airflow's <c>adopt_or_reset_orphaned_tasks</c> does.
/// </summary>
public sealed class JobStore(MetadataDatabase database)
{
    public const string Running = "running";

    /// <summary>Records a job that has just started; returns its id.</summary>
    public async Task<long> StartAsync(string jobType, string hostname, int pid, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>(
            PortableSql.ReturningId(connection, "INSERT INTO job (job_type, state, hostname, pid, start_date, latest_heartbeat) VALUES (@jobType, @Running, @hostname, @pid, @At, @At)"),
            new { jobType, Running, hostname, pid, At = Micros.From(now) });
    }

    /// <summary>Records that the job is alive; false when its row says it is not running any more (another scheduler declared it dead).</summary>
    public async Task<bool> HeartbeatAsync(long id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE job SET latest_heartbeat = @At WHERE id = @id AND state = @Running",
            new { id, Running, At = Micros.From(now) }) > 0;
    }

    /// <summary>Ends a job (<c>success</c> when it stopped cleanly, <c>failed</c> when another process found it dead).</summary>
    public async Task EndAsync(long id, string state, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await connection.ExecuteAsync(
            "UPDATE job SET state = @state, end_date = @At WHERE id = @id AND state = @Running",
            new { id, state, Running, At = Micros.From(now) });
    }

    /// <summary>The last heartbeat of the most recent job of <paramref name="jobType"/> in any state; null when none ever ran.</summary>
    public async Task<DateTimeOffset?> LatestHeartbeatAsync(string jobType, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return Micros.To(await connection.ExecuteScalarAsync<long?>("SELECT MAX(latest_heartbeat) FROM job WHERE job_type = @jobType", new { jobType }));
    }

    /// <summary>Running jobs of <paramref name="jobType"/> other than <paramref name="self"/>: id, host, pid and last heartbeat.</summary>
    public async Task<IReadOnlyList<(long Id, string Hostname, int Pid, DateTimeOffset LatestHeartbeat)>> RunningAsync(
        string jobType,
        long self,
        CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<(long, string, int, long)>(
            "SELECT id, hostname, pid, latest_heartbeat FROM job WHERE job_type = @jobType AND state = @Running AND id <> @self",
            new { jobType, Running, self }))
            .Select(j => (j.Item1, j.Item2, j.Item3, Micros.To(j.Item4)))
            .ToList();
    }

    /// <summary>
    /// Queued, running and restarting task instances whose queuing job is not running (it ended, or was found dead):
    /// nothing will finish them but another scheduler.
    /// </summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> OrphanedTaskInstancesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return (await connection.QueryAsync<TaskInstanceRecord>(
            $"""
            SELECT {TaskInstanceStore.Columns} FROM task_instance
            WHERE state IN ({StateSql.List([TaskInstanceState.Queued, TaskInstanceState.Running, TaskInstanceState.Restarting])})
              AND queued_by_job_id IN (SELECT id FROM job WHERE state <> @Running)
            """,
            new { Running })).ToList();
    }
}
