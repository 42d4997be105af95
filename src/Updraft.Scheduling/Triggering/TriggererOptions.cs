namespace Updraft.Scheduling.Triggering;

/// <summary>The triggerer's settings (<c>[triggerer]</c> in <c>updraft.cfg</c>, Airflow's names).</summary>
public sealed class TriggererOptions
{
    /// <summary>How many triggers one triggerer runs at most (<c>[triggerer] capacity</c>).</summary>
    public int Capacity { get; set; } = 1000;

    /// <summary>How often it records that it is alive (<c>[triggerer] job_heartbeat_sec</c>).</summary>
    public TimeSpan JobHeartbeat { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// A triggerer silent for longer is taken for dead and its triggers are claimed by others
    /// (<c>[triggerer] triggerer_health_check_threshold</c>).
    /// </summary>
    public TimeSpan HealthCheckThreshold { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often it looks for triggers to claim and checks the ones it holds.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a failing asset watcher waits before it starts again after its first failure; each further failure in a
    /// row doubles the wait, up to <see cref="WatcherMaxRetryDelay"/>.
    /// </summary>
    public TimeSpan WatcherRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest a failing asset watcher waits before it starts again.</summary>
    public TimeSpan WatcherMaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often triggers nothing waits on any more are removed.</summary>
    public TimeSpan CleanupInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Where task logs are: each trigger's lines go to its task's try log, when this folder is reachable.</summary>
    public string? LogFolder { get; set; }
}
