namespace Updraft.Core.Timetables;

/// <summary>
/// A resolved schedule in serializable form: what the scheduler reads from a serialized DAG to rebuild
/// its timetable without running user code.
/// </summary>
public sealed record ScheduleSpec(ScheduleKind Kind)
{
    /// <summary>The cron expression, for the cron kinds.</summary>
    public string? Expression { get; init; }

    /// <summary>The IANA time zone the cron is evaluated in, for the cron kinds.</summary>
    public string? TimeZone { get; init; }

    /// <summary>The span, for <see cref="ScheduleKind.Delta"/>.</summary>
    public TimeSpan? Delta { get; init; }

    internal static ScheduleSpec ForCron(ScheduleKind kind, CronSchedule schedule) =>
        new(kind) { Expression = schedule.Cron.Expression, TimeZone = schedule.TimeZone.Id };

    public Timetable ToTimetable() => Kind switch
    {
        ScheduleKind.None => new NullTimetable(),
        ScheduleKind.Once => new OnceTimetable(),
        ScheduleKind.Continuous => new ContinuousTimetable(),
        ScheduleKind.CronTrigger => new CronTriggerTimetable(CronFromSpec()),
        ScheduleKind.CronDataInterval => new CronDataIntervalTimetable(CronFromSpec()),
        ScheduleKind.Delta => new DeltaDataIntervalTimetable(Delta ?? throw new InvalidScheduleException("A delta schedule needs a span.")),
        _ => throw new InvalidScheduleException($"Unknown schedule kind {Kind}."),
    };

    private CronSchedule CronFromSpec() => new(
        CronExpression.Parse(Expression ?? throw new InvalidScheduleException("A cron schedule needs an expression.")),
        TimeZones.Find(TimeZone ?? "UTC"));
}
