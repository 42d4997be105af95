namespace Updraft.Core.Timetables;

/// <summary>A run at each cron fire time, with a zero-length data interval; the logical date is the fire time.</summary>
public sealed class CronTriggerTimetable(CronSchedule schedule) : Timetable
{
    public CronSchedule Schedule { get; } = schedule;

    public override string Summary => Schedule.Cron.Expression;

    public override DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(restriction);
        DateTimeOffset next;
        if (restriction.Catchup)
        {
            if (lastAutomatedDataInterval is not null)
            {
                next = Schedule.Next(lastAutomatedDataInterval.End);
            }
            else if (restriction.Earliest is { } earliest)
            {
                next = Schedule.AlignToNext(earliest);
            }
            else
            {
                return null;
            }
        }
        else
        {
            next = Schedule.AlignToPrevious(now);
            if (lastAutomatedDataInterval is not null && Schedule.Next(lastAutomatedDataInterval.End) is var afterLast && afterLast > next)
            {
                next = afterLast;
            }

            if (restriction.Earliest is { } earliest && Schedule.AlignToNext(earliest) is var alignedStart && alignedStart > next)
            {
                next = alignedStart;
            }
        }

        if (restriction.Latest is { } latest && latest < next)
        {
            return null;
        }

        return DagRunInfo.Exact(next);
    }

    public override DataInterval InferManualDataInterval(DateTimeOffset runAfter) => new(runAfter, runAfter);

    public override ScheduleSpec ToSpec() => ScheduleSpec.ForCron(ScheduleKind.CronTrigger, Schedule);
}
