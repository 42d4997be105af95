namespace Updraft.Core.Timetables;

/// <summary>No schedule: runs are only triggered by hand (or, later, by datasets).</summary>
public sealed class NullTimetable : Timetable
{
    public override string Summary => "None";

    public override bool CanBeScheduled => false;

    public override DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now) => null;

    public override DataInterval InferManualDataInterval(DateTimeOffset runAfter) => new(runAfter, runAfter);

    public override ScheduleSpec ToSpec() => new(ScheduleKind.None);
}
