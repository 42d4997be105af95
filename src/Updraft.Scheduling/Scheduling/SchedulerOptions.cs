namespace Updraft.Scheduling.Scheduling;

/// <summary>The scheduler's limits and timings, from <c>[core]</c> and <c>[scheduler]</c>.</summary>
public sealed record SchedulerOptions
{
    /// <summary>The most task instances queued or running at once (<c>[core] parallelism</c>).</summary>
    public int Parallelism { get; init; } = 32;

    /// <summary>Runs evaluated per scheduling pass (Airflow's <c>max_dagruns_per_loop_to_schedule</c>); the rest wait for the next pass.</summary>
    public int MaxRunsPerPass { get; init; } = 200;

    /// <summary>How often every running run is evaluated, changed or not: a safety net for lost evaluation flags.</summary>
    public TimeSpan FullSweepInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Task instances considered per scheduling pass.</summary>
    public int MaxTisPerQuery { get; init; } = 512;

    /// <summary>A running task without a heartbeat for this long is lost (<c>[scheduler] scheduler_zombie_task_threshold</c>).</summary>
    public TimeSpan ZombieThreshold { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>A task queued for this long without starting is failed or retried (<c>[scheduler] task_queued_timeout</c>).</summary>
    public TimeSpan QueuedTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>How often the scheduler's job row is heartbeated (<c>[scheduler] scheduler_heartbeat_sec</c>).</summary>
    public TimeSpan JobHeartbeat { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>A scheduler whose job has not heartbeated for this long is dead (<c>[scheduler] scheduler_health_check_threshold</c>).</summary>
    public TimeSpan HealthCheckThreshold { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often to look for dead schedulers' task instances after start (<c>[scheduler] orphaned_tasks_check_interval</c>).</summary>
    public TimeSpan OrphanCheckInterval { get; init; } = TimeSpan.FromSeconds(300);

    /// <summary>The upper bound on retry delays (<c>[core] max_task_retry_delay</c>).</summary>
    public TimeSpan MaxRetryDelay { get; init; } = TimeSpan.FromDays(1);
}
