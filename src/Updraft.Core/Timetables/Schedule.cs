using System.Globalization;
using Updraft.Core.Assets;

namespace Updraft.Core.Timetables;

/// <summary>
/// A DAG's schedule as its author writes it: a cron string, a preset (<c>@daily</c>, <c>@once</c>,
/// <c>@continuous</c>, …), a time span, a timetable, or none. Strings are validated when the schedule
/// is created, so a bad cron string fails the DAG file with a clear message.
/// </summary>
public sealed class Schedule
{
    private static readonly Dictionary<string, string> Presets = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@hourly"] = "0 * * * *",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@weekly"] = "0 0 * * 0",
        ["@monthly"] = "0 0 1 * *",
        ["@quarterly"] = "0 0 1 */3 *",
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
    };

    private readonly CronExpression? _cron;
    private readonly TimeSpan? _delta;
    private readonly Timetable? _timetable;
    private readonly ScheduleKind _special = ScheduleKind.None;

    private Schedule(string? text, CronExpression? cron, TimeSpan? delta, Timetable? timetable, ScheduleKind special)
    {
        Text = text;
        _cron = cron;
        _delta = delta;
        _timetable = timetable;
        _special = special;
    }

    /// <summary>No schedule: manual runs only.</summary>
    public static Schedule None { get; } = new(null, null, null, null, ScheduleKind.None);

    /// <summary>What the author wrote, for display (null for none).</summary>
    public string? Text { get; }

    public static Schedule Parse(string? text)
    {
        if (text is null || text.Equals("None", StringComparison.OrdinalIgnoreCase))
        {
            return None;
        }

        if (text.Trim().Length == 0)
        {
            throw new InvalidScheduleException("Invalid schedule '': an empty string is not a schedule; use null (or \"None\") for manual runs only.");
        }

        var trimmed = text.Trim();
        if (trimmed.Equals("@once", StringComparison.OrdinalIgnoreCase))
        {
            return new Schedule("@once", null, null, null, ScheduleKind.Once);
        }

        if (trimmed.Equals("@continuous", StringComparison.OrdinalIgnoreCase))
        {
            return new Schedule("@continuous", null, null, null, ScheduleKind.Continuous);
        }

        if (trimmed.StartsWith('@'))
        {
            if (!Presets.TryGetValue(trimmed, out var expanded))
            {
                throw new InvalidScheduleException(
                    $"Invalid schedule '{text}': unknown preset; expected one of {string.Join(", ", Presets.Keys)}, @once, @continuous.");
            }

            return new Schedule(trimmed, CronExpression.Parse(expanded), null, null, ScheduleKind.CronTrigger);
        }

        return new Schedule(trimmed, CronExpression.Parse(trimmed), null, null, ScheduleKind.CronTrigger);
    }

    public static Schedule Every(TimeSpan span)
    {
        if (span <= TimeSpan.Zero)
        {
            throw new InvalidScheduleException($"Invalid schedule: a time span schedule must be positive, got {span}.");
        }

        return new Schedule(span.ToString("c", CultureInfo.InvariantCulture), null, span, null, ScheduleKind.Delta);
    }

    public static Schedule Of(Timetable timetable) =>
        new((timetable ?? throw new ArgumentNullException(nameof(timetable))).Summary, null, null, timetable, ScheduleKind.None);

    public static implicit operator Schedule(string? text) => Parse(text);

    public static implicit operator Schedule(TimeSpan span) => Every(span);

    public static implicit operator Schedule(Timetable timetable) => Of(timetable);

    /// <summary>A DAG run whenever <paramref name="assets"/> holds: its assets were updated (Airflow's asset schedule).</summary>
    public static implicit operator Schedule(AssetCondition assets) => OnAssets(assets);

    /// <summary>The assets (or asset condition) a DAG is scheduled on; null when it runs on time alone.</summary>
    public AssetCondition? Assets { get; private init; }

    /// <summary>Runs whenever <paramref name="assets"/> holds (<c>schedule: orders &amp; customers</c> does the same).</summary>
    public static Schedule OnAssets(AssetCondition assets) =>
        new(null, null, null, null, ScheduleKind.None) { Assets = assets ?? throw new ArgumentNullException(nameof(assets)) };

    /// <summary>
    /// Runs on <paramref name="time"/> and also whenever <paramref name="assets"/> holds (Airflow's
    /// <c>AssetOrTimeSchedule</c>).
    /// </summary>
    public static Schedule AssetOrTime(Schedule time, AssetCondition assets)
    {
        ArgumentNullException.ThrowIfNull(time);
        if (time.Assets is not null)
        {
            throw new InvalidScheduleException("Schedule.AssetOrTime takes a time schedule and an asset condition, not two asset schedules.");
        }

        return new(time.Text, time._cron, time._delta, time._timetable, time._special) { Assets = assets ?? throw new ArgumentNullException(nameof(assets)) };
    }

    /// <summary>
    /// Resolves to a timetable. A cron string or preset is a trigger timetable unless
    /// <paramref name="createCronDataIntervals"/> asks for Airflow 2's data-interval reading.
    /// </summary>
    public Timetable ToTimetable(TimeZoneInfo timeZone, bool createCronDataIntervals)
    {
        if (_timetable is not null)
        {
            return _timetable;
        }

        if (_cron is not null)
        {
            var cron = new CronSchedule(_cron, timeZone);
            return createCronDataIntervals ? new CronDataIntervalTimetable(cron) : new CronTriggerTimetable(cron);
        }

        if (_delta is { } delta)
        {
            return new DeltaDataIntervalTimetable(delta);
        }

        return _special switch
        {
            ScheduleKind.Once => new OnceTimetable(),
            ScheduleKind.Continuous => new ContinuousTimetable(),
            _ => new NullTimetable(),
        };
    }

    public override string ToString() => Text ?? "None";
}
