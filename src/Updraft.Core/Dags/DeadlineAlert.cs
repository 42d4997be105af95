namespace Updraft.Core.Dags;

/// <summary>What a DAG's deadline counts from (Airflow's <c>DeadlineReference</c>).</summary>
public enum DeadlineReference
{
    /// <summary>When the run was queued (<c>DAGRUN_QUEUED_AT</c>).</summary>
    DagRunQueuedAt,

    /// <summary>The run's logical date (<c>DAGRUN_LOGICAL_DATE</c>).</summary>
    DagRunLogicalDate,

    /// <summary>A fixed moment, the same for every run (<c>FIXED_DATETIME</c>).</summary>
    FixedDateTime,
}

/// <summary>
/// A DAG-level deadline (Airflow 3's <c>DeadlineAlert</c>): when a run has not finished <see cref="Interval"/> after
/// its <see cref="Reference"/>, <see cref="Callback"/> is called once — while the run goes on, without changing any
/// state. The callbacks run where DAG callbacks run (the DAG processor, on the run's own DAG version).
/// </summary>
public sealed class DeadlineAlert
{
    public DeadlineAlert(DeadlineReference reference, TimeSpan interval, CallbackList callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        if (reference == DeadlineReference.FixedDateTime)
        {
            throw new ArgumentException("A fixed deadline needs its moment: use DeadlineAlert.At(moment, callback).", nameof(reference));
        }

        Reference = reference;
        Interval = interval;
        Callback = callback;
    }

    private DeadlineAlert(DateTimeOffset moment, CallbackList callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        Reference = DeadlineReference.FixedDateTime;
        Moment = moment.ToUniversalTime();
        Callback = callback;
    }

    /// <summary>A deadline at a fixed moment for every run not finished by then.</summary>
    public static DeadlineAlert At(DateTimeOffset moment, CallbackList callback) => new(moment, callback);

    public DeadlineReference Reference { get; }

    /// <summary>How long after the reference the run must have finished (not used for a fixed moment).</summary>
    public TimeSpan Interval { get; }

    /// <summary>For <see cref="DeadlineReference.FixedDateTime"/>: the moment.</summary>
    public DateTimeOffset? Moment { get; }

    /// <summary>Called once when a run misses the deadline (event <c>deadline_missed</c>); a callback that throws is logged.</summary>
    public CallbackList Callback { get; }
}
