namespace Updraft.Core.Timetables;

/// <summary>Runs every fixed time span; each run covers one span and is created once it has ended.</summary>
public sealed class DeltaDataIntervalTimetable : Timetable
{
    public DeltaDataIntervalTimetable(TimeSpan delta)
    {
        if (delta <= TimeSpan.Zero)
        {
            throw new InvalidScheduleException($"Invalid schedule: a time span schedule must be positive, got {delta}.");
        }

        Delta = delta;
    }

    public TimeSpan Delta { get; }

    public override string Summary => Delta.ToString("c", System.Globalization.CultureInfo.InvariantCulture);

    public override DagRunInfo? NextDagRunInfo(DataInterval? lastAutomatedDataInterval, TimeRestriction restriction, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(restriction);
        DateTimeOffset? earliest = restriction.Earliest;
        if (!restriction.Catchup)
        {
            var latestStart = Round(now) - Delta;
            earliest = earliest is { } e && e > latestStart ? e : latestStart;
        }

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
            start = earliest is { } floor && floor > lastAutomatedDataInterval.End ? floor : lastAutomatedDataInterval.End;
        }

        if (restriction.Latest is { } latest && start > latest)
        {
            return null;
        }

        return DagRunInfo.Interval(start, start + Delta);
    }

    public override DataInterval InferManualDataInterval(DateTimeOffset runAfter) => new(runAfter - Delta, runAfter);

    public override ScheduleSpec ToSpec() => new(ScheduleKind.Delta) { Delta = Delta };

    private DateTimeOffset Round(DateTimeOffset instant)
    {
        var ticks = instant.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks;
        return new DateTimeOffset(instant.UtcTicks - (ticks % Delta.Ticks), TimeSpan.Zero);
    }
}
