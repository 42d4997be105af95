namespace Updraft.Core.Timetables;

/// <summary>Each run covers the interval between two cron fire times and is created once it has ended.</summary>
public sealed class CronDataIntervalTimetable(CronSchedule schedule) : Timetable
{
    public CronSchedule Schedule { get; } = schedule;

    public override string Summary => Schedule.Cron.Expression;

    public override DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(restriction);
        DateTimeOffset? earliest = restriction.Catchup
            ? restriction.Earliest is { } e ? Schedule.AlignToNext(e) : null
            : SkipToLatest(restriction.Earliest, now);

        DateTimeOffset start;
        if (lastAutomatedDataInterval is null)
        {
            if (earliest is null)
            {
                return null;
            }

            start = earliest.Value;
        }
        else
        {
            // Realigns when the schedule changed since the last run.
            var alignedLastEnd = Schedule.AlignToPrevious(lastAutomatedDataInterval.End);
            start = earliest is { } floor && floor > alignedLastEnd ? floor : alignedLastEnd;
        }

        if (restriction.Latest is { } latest && start > latest)
        {
            return null;
        }

        return DagRunInfo.Interval(start, Schedule.Next(start));
    }

    /// <summary>The last complete interval ending at or before <paramref name="runAfter"/>, as Airflow infers it.</summary>
    public override DataInterval InferManualDataInterval(DateTimeOffset runAfter)
    {
        var end = Schedule.AlignToPrevious(runAfter);
        return new DataInterval(Schedule.Previous(end), end);
    }

    public override ScheduleSpec ToSpec() => ScheduleSpec.ForCron(ScheduleKind.CronDataInterval, Schedule);

    /// <summary>The start of the latest complete interval (ending at or before now), or the aligned start date if later.</summary>
    private DateTimeOffset SkipToLatest(DateTimeOffset? earliest, DateTimeOffset now)
    {
        var lastEnd = Schedule.AlignToPrevious(now);
        var latestStart = Schedule.Previous(lastEnd);
        if (earliest is null)
        {
            return latestStart;
        }

        var alignedEarliest = Schedule.AlignToNext(earliest.Value);
        return alignedEarliest > latestStart ? alignedEarliest : latestStart;
    }
}
