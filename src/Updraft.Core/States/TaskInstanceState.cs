namespace Updraft.Core.States;

/// <summary>The state of one task instance, with Airflow's names and meanings.</summary>
public enum TaskInstanceState
{
    /// <summary>Not yet scheduled (Airflow's <c>none</c>).</summary>
    None,
    Scheduled,
    Queued,
    Running,
    Success,
    Failed,
    Skipped,
    UpstreamFailed,
    UpForRetry,
    UpForReschedule,
    Deferred,
    Removed,
    Restarting,
}
