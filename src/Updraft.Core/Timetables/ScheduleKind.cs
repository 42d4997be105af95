namespace Updraft.Core.Timetables;

/// <summary>The kinds of timetable a schedule can resolve to.</summary>
public enum ScheduleKind
{
    None,
    Once,
    Continuous,
    CronTrigger,
    CronDataInterval,
    Delta,
}
