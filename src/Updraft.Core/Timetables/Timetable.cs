namespace Updraft.Core.Timetables;

/// <summary>Decides when a DAG runs and which data interval each run covers (Airflow's timetable protocol).</summary>
public abstract class Timetable
{
    /// <summary>A short form shown in listings, such as the cron string or <c>@once</c>.</summary>
    public abstract string Summary { get; }

    /// <summary>False for schedules that never create runs by themselves (manual only).</summary>
    public virtual bool CanBeScheduled => true;

    /// <summary>
    /// True when the schedule repeats at intervals, so that a backfill can cover the intervals between two dates (false
    /// for <c>@once</c>, <c>@continuous</c> and manual-only DAGs, as Airflow's <c>periodic</c>).
    /// </summary>
    public virtual bool Periodic => CanBeScheduled;

    /// <summary>True when at most one run may be active (<c>@continuous</c>).</summary>
    public virtual bool RequiresSingleActiveRun => false;

    /// <summary>
    /// The next automatic run after <paramref name="lastAutomatedDataInterval"/> (null before the first),
    /// or null when there is none. <paramref name="now"/> matters only when catchup is off.
    /// </summary>
    public abstract DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now);

    /// <summary>The data interval of a run triggered by hand at <paramref name="runAfter"/>.</summary>
    public abstract DataInterval InferManualDataInterval(DateTimeOffset runAfter);

    /// <summary>The serializable description this timetable can be rebuilt from.</summary>
    public abstract ScheduleSpec ToSpec();
}
