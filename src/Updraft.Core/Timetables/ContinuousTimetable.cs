namespace Updraft.Core.Timetables;

/// <summary><c>@continuous</c>: a new run as soon as the previous one finishes; at most one active run.</summary>
public sealed class ContinuousTimetable : Timetable
{
    public override string Summary => "@continuous";

    public override bool RequiresSingleActiveRun => true;

    public override bool Periodic => false;

    public override DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(restriction);
        if (restriction.Earliest is not { } earliest)
        {
            return null;
        }

        var start = lastAutomatedDataInterval?.End ?? earliest;
        var end = now > start ? now : start;
        if (restriction.Latest is { } latest && end > latest)
        {
            return null;
        }

        return DagRunInfo.Interval(start, end);
    }

    public override DataInterval InferManualDataInterval(DateTimeOffset runAfter) => new(runAfter, runAfter);

    public override ScheduleSpec ToSpec() => new(ScheduleKind.Continuous);
}
