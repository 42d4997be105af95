namespace Updraft.Core.Timetables;

/// <summary>
/// A cron expression evaluated in a time zone, with Airflow's DST rules: cron times are wall-clock times in
/// the zone; a time that falls in a spring-forward gap moves forward by the gap; a time that occurs twice
/// takes its first occurrence; and a cron whose hour field is <c>*</c> steps in elapsed time, so an hourly
/// schedule fires every real hour through both transitions.
/// </summary>
public sealed class CronSchedule
{
    public CronSchedule(CronExpression cron, TimeZoneInfo timeZone)
    {
        Cron = cron ?? throw new ArgumentNullException(nameof(cron));
        TimeZone = timeZone ?? throw new ArgumentNullException(nameof(timeZone));
    }

    public CronExpression Cron { get; }

    public TimeZoneInfo TimeZone { get; }

    /// <summary>The first fire time strictly after <paramref name="current"/>.</summary>
    public DateTimeOffset Next(DateTimeOffset current)
    {
        var naive = ToNaive(current);
        var scheduled = Cron.NextLocal(naive);
        if (Cron.CoversEveryHour)
        {
            return current.ToUniversalTime() + (scheduled - naive);
        }

        var result = ToInstant(scheduled);
        while (result <= current)
        {
            // The wall-clock time recurs after a DST fall-back and its first occurrence is already past.
            scheduled = Cron.NextLocal(scheduled);
            result = ToInstant(scheduled);
        }

        return result;
    }

    /// <summary>The last fire time strictly before <paramref name="current"/> (never one after a later fire time it skipped).</summary>
    public DateTimeOffset Previous(DateTimeOffset current)
    {
        var naive = ToNaive(current);
        if (Cron.CoversEveryHour)
        {
            return current.ToUniversalTime() - (naive - Cron.PreviousLocal(naive));
        }

        // In the second pass through a repeated (fall-back) hour, wall times later than now's already fired at their
        // first occurrence: the search starts from the wall time whose first occurrence is now.
        var scheduled = Cron.PreviousLocal(naive + RepeatedHourLead(current, naive));
        var result = ToInstant(scheduled);
        while (result >= current)
        {
            scheduled = Cron.PreviousLocal(scheduled);
            result = ToInstant(scheduled);
        }

        return result;
    }

    /// <summary><paramref name="current"/> if it is a fire time, else the next one.</summary>
    public DateTimeOffset AlignToNext(DateTimeOffset current)
    {
        var next = Next(current);
        return Previous(next) == current ? current : next;
    }

    /// <summary><paramref name="current"/> if it is a fire time, else the previous one.</summary>
    public DateTimeOffset AlignToPrevious(DateTimeOffset current)
    {
        var previous = Previous(current);
        return Next(previous) == current ? current : previous;
    }

    /// <summary>How far <paramref name="current"/> is past the first occurrence of its wall time (zero outside a repeated hour).</summary>
    private TimeSpan RepeatedHourLead(DateTimeOffset current, DateTime naive) =>
        TimeZone.IsAmbiguousTime(naive)
            ? TimeZone.GetAmbiguousTimeOffsets(naive).Max() - TimeZone.GetUtcOffset(current)
            : TimeSpan.Zero;

    private DateTime ToNaive(DateTimeOffset instant) =>
        DateTime.SpecifyKind(TimeZoneInfo.ConvertTime(instant, TimeZone).DateTime, DateTimeKind.Unspecified);

    /// <summary>Reads a wall-clock time in the zone as an instant (UTC).</summary>
    internal DateTimeOffset ToInstant(DateTime local)
    {
        if (TimeZone.IsInvalidTime(local))
        {
            // In a spring-forward gap: read it with the offset in force before the gap, which lands after it.
            var before = TimeZone.GetUtcOffset(local.AddHours(-6));
            return new DateTimeOffset(local - before, TimeSpan.Zero);
        }

        var offset = TimeZone.IsAmbiguousTime(local)
            ? TimeZone.GetAmbiguousTimeOffsets(local).Max()
            : TimeZone.GetUtcOffset(local);
        return new DateTimeOffset(DateTime.SpecifyKind(local - offset, DateTimeKind.Unspecified), TimeSpan.Zero);
    }
}
