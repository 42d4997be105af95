namespace Updraft.Core.Timetables;

/// <summary><c>@once</c>: a single run at the start date.</summary>
public sealed class OnceTimetable : Timetable
{
    public override string Summary => "@once";

    public override bool Periodic => false;

    public override DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(restriction);
        if (lastAutomatedDataInterval is not null || restriction.Earliest is not { } start)
        {
            return null;
        }

        return restriction.Latest is { } latest && start > latest ? null : DagRunInfo.Exact(start);
    }

    public override DataInterval InferManualDataInterval(DateTimeOffset runAfter) => new(runAfter, runAfter);

    public override ScheduleSpec ToSpec() => new(ScheduleKind.Once);
}
