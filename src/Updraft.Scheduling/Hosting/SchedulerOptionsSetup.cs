using Microsoft.Extensions.Options;
using Updraft.Core.Configuration;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Scheduling;

namespace Updraft.Scheduling.Hosting;

/// <summary>
/// Binds <see cref="SchedulerOptions"/> from <c>updraft.cfg</c> and <c>UPDRAFT__…</c> (Airflow's key names) and checks
/// them at start, so a wrong value is a one-line error before anything runs, never a silent stall.
/// </summary>
internal sealed class SchedulerOptionsSetup(UpdraftConfig config) : IConfigureOptions<SchedulerOptions>, IValidateOptions<SchedulerOptions>
{
    public void Configure(SchedulerOptions options)
    {
        options.Parallelism = Math.Min(config.GetInt("core", "parallelism"), ExecutorSettings.From(config).Sum(e => e.Slots));
        options.MaxTisPerQuery = config.GetInt("scheduler", "max_tis_per_query");
        options.ZombieThreshold = Seconds("scheduler", "scheduler_zombie_task_threshold");
        options.QueuedTimeout = Seconds("scheduler", "task_queued_timeout");
        options.MaxRetryDelay = Seconds("core", "max_task_retry_delay");
        options.JobHeartbeat = Seconds("scheduler", "scheduler_heartbeat_sec");
        options.HealthCheckThreshold = Seconds("scheduler", "scheduler_health_check_threshold");
        options.OrphanCheckInterval = Seconds("scheduler", "orphaned_tasks_check_interval");
    }

    public ValidateOptionsResult Validate(string? name, SchedulerOptions options)
    {
        var heartbeat = config.GetDouble("scheduler", "job_heartbeat_sec");
        (bool Holds, string Message)[] rules =
        [
            (options.JobHeartbeat > TimeSpan.Zero && options.JobHeartbeat < options.HealthCheckThreshold,
                "[scheduler] scheduler_heartbeat_sec must be more than 0 and less than scheduler_health_check_threshold."),
            (options.OrphanCheckInterval > TimeSpan.Zero, "[scheduler] orphaned_tasks_check_interval must be more than 0 seconds."),
            (options.Parallelism >= 1, $"[core] parallelism must be 1 or more, found {config.Get("core", "parallelism")}: with 0 no task could ever run."),
            (options.MaxTisPerQuery >= 1, $"[scheduler] max_tis_per_query must be 1 or more, found {options.MaxTisPerQuery}."),
            (options.ZombieThreshold > TimeSpan.Zero, "[scheduler] scheduler_zombie_task_threshold must be more than 0 seconds."),
            (options.QueuedTimeout > TimeSpan.Zero, "[scheduler] task_queued_timeout must be more than 0 seconds."),
            (heartbeat > 0 && TimeSpan.FromSeconds(heartbeat) < options.ZombieThreshold,
                $"[scheduler] job_heartbeat_sec must be more than 0 and less than scheduler_zombie_task_threshold, found {heartbeat}."),
            (config.GetDouble("execution_api", "jwt_expiration_time") > heartbeat,
                "[execution_api] jwt_expiration_time must be longer than [scheduler] job_heartbeat_sec, or tokens expire between heartbeats."),
        ];

        // The first broken rule only: one line, as every other start-up error.
        return rules.FirstOrDefault(r => !r.Holds) is { Message: { } message } ? ValidateOptionsResult.Fail(message) : ValidateOptionsResult.Success;
    }

    private TimeSpan Seconds(string section, string key) => TimeSpan.FromSeconds(config.GetDouble(section, key));
}
