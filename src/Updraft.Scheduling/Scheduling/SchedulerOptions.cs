namespace Updraft.Scheduling.Scheduling;

/// <summary>The scheduler's limits and timings, bound from <c>[core]</c> and <c>[scheduler]</c> by <c>AddUpdraftScheduler</c> and checked at start.</summary>
public sealed record SchedulerOptions
{
    /// <summary>The most task instances queued or running at once (<c>[core] parallelism</c>).</summary>
    public int Parallelism { get; set; } = 32;

    /// <summary>Runs evaluated per scheduling pass (Airflow's <c>max_dagruns_per_loop_to_schedule</c>); the rest wait for the next pass.</summary>
    public int MaxRunsPerPass { get; set; } = 200;

    /// <summary>How often every running run is evaluated, changed or not: a safety net for lost evaluation flags.</summary>
    public TimeSpan FullSweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Task instances considered per scheduling pass.</summary>
    public int MaxTisPerQuery { get; set; } = 512;

    /// <summary>A running task without a heartbeat for this long is lost (<c>[scheduler] scheduler_zombie_task_threshold</c>).</summary>
    public TimeSpan ZombieThreshold { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>A task queued for this long without starting is failed or retried (<c>[scheduler] task_queued_timeout</c>).</summary>
    public TimeSpan QueuedTimeout { get; set; } = TimeSpan.FromSeconds(600);

    /// <summary>How often the scheduler's job row is heartbeated (<c>[scheduler] scheduler_heartbeat_sec</c>).</summary>
    public TimeSpan JobHeartbeat { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A scheduler whose job has not heartbeated for this long is dead (<c>[scheduler] scheduler_health_check_threshold</c>).</summary>
    public TimeSpan HealthCheckThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often to look for dead schedulers' task instances after start (<c>[scheduler] orphaned_tasks_check_interval</c>).</summary>
    public TimeSpan OrphanCheckInterval { get; set; } = TimeSpan.FromSeconds(300);

    /// <summary>The upper bound on retry delays (<c>[core] max_task_retry_delay</c>).</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromDays(1);
}
