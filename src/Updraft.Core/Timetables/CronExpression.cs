using System.Globalization;
using System.Numerics;

namespace Updraft.Core.Timetables;

/// <summary>
/// A five-field cron expression read the way croniter (and so Airflow) reads it: names, ranges, steps,
/// lists, <c>?</c>, <c>L</c> (last day of month) and <c>#</c> (nth weekday). When both day-of-month and
/// day-of-week are restricted a day matches either (Vixie cron's OR). Works on naive wall-clock times;
/// <see cref="CronSchedule"/> adds the time zone.
/// </summary>
public sealed class CronExpression
{
    private static readonly string[] MonthNames = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
    private static readonly string[] DayNames = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

    // A schedule that matches nothing in this many years never matches (the calendar repeats every 28 years).
    private const int SearchYears = 29;

    private readonly ulong _minutes;
    private readonly uint _hours;
    private readonly uint _daysOfMonth;
    private readonly bool _lastDayOfMonth;
    private readonly uint _months;
    private readonly uint _daysOfWeek;
    private readonly (DayOfWeek Day, int Nth)[] _nthWeekdays;
    private readonly bool _domRestricted;
    private readonly bool _dowRestricted;

    private CronExpression(string expression, string[] fields)
    {
        Expression = expression;
        _minutes = ParseField(expression, fields[0], "minute", 0, 59, null, out _);
        _hours = (uint)ParseField(expression, fields[1], "hour", 0, 23, null, out _);
        _daysOfMonth = (uint)ParseDayOfMonth(expression, fields[2], out _lastDayOfMonth);
        _months = (uint)ParseField(expression, fields[3], "month", 1, 12, MonthNames, out _);
        (_daysOfWeek, _nthWeekdays) = ParseDayOfWeek(expression, fields[4]);

        CoversEveryHour = _hours == (1u << 24) - 1;
        _domRestricted = _lastDayOfMonth || _daysOfMonth != AllBits(1, 31);
        _dowRestricted = _nthWeekdays.Length > 0 || _daysOfWeek != AllBits(0, 6);
        if (NeverMatches())
        {
            throw Invalid(expression, "it never matches any date");
        }
    }

    public string Expression { get; }

    /// <summary>True when the hour field is <c>*</c>: Airflow then steps in real (elapsed) time across DST changes.</summary>
    public bool CoversEveryHour { get; }

    public static CronExpression Parse(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var fields = expression.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        if (fields.Length != 5)
        {
            throw Invalid(expression, $"expected 5 fields (minute hour day-of-month month day-of-week), found {fields.Length}");
        }

        return new CronExpression(expression, fields);
    }

    /// <summary>The first matching wall-clock minute strictly after <paramref name="after"/>.</summary>
    public DateTime NextLocal(DateTime after)
    {
        var t = new DateTime(after.Year, after.Month, after.Day, after.Hour, after.Minute, 0, DateTimeKind.Unspecified).AddMinutes(1);
        var limit = t.Year + SearchYears;
        while (t.Year <= limit)
        {
            if (!Has(_months, t.Month))
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMonths(1);
                continue;
            }

            if (!DayMatches(t))
            {
                t = t.Date.AddDays(1);
                continue;
            }

            var hour = NextBit(_hours, t.Hour);
            if (hour < 0)
            {
                t = t.Date.AddDays(1);
                continue;
            }

            if (hour != t.Hour)
            {
                t = t.Date.AddHours(hour);
            }

            var minute = NextBit(_minutes, t.Minute);
            if (minute < 0)
            {
                t = t.Date.AddHours(t.Hour + 1);
                continue;
            }

            return t.Date.AddHours(t.Hour).AddMinutes(minute);
        }

        throw new InvalidOperationException($"Cron expression '{Expression}' has no fire time after {after:O}.");
    }

    /// <summary>The last matching wall-clock minute strictly before <paramref name="before"/>.</summary>
    public DateTime PreviousLocal(DateTime before)
    {
        var t = new DateTime(before.Year, before.Month, before.Day, before.Hour, before.Minute, 0, DateTimeKind.Unspecified);
        if (t == before)
        {
            t = t.AddMinutes(-1);
        }

        var limit = t.Year - SearchYears;
        while (t.Year >= limit)
        {
            if (!Has(_months, t.Month))
            {
                t = new DateTime(t.Year, t.Month, 1, 0, 0, 0, DateTimeKind.Unspecified).AddMinutes(-1);
                continue;
            }

            if (!DayMatches(t))
            {
                t = t.Date.AddMinutes(-1);
                continue;
            }

            var hour = PreviousBit(_hours, t.Hour);
            if (hour < 0)
            {
                t = t.Date.AddMinutes(-1);
                continue;
            }

            if (hour != t.Hour)
            {
                t = t.Date.AddHours(hour).AddMinutes(59);
            }

            var minute = PreviousBit(_minutes, t.Minute);
            if (minute < 0)
            {
                t = t.Date.AddHours(t.Hour).AddMinutes(-1);
                continue;
            }

            return t.Date.AddHours(t.Hour).AddMinutes(minute);
        }

        throw new InvalidOperationException($"Cron expression '{Expression}' has no fire time before {before:O}.");
    }

    public bool Matches(DateTime local) => local.Second == 0 && Has(_minutes, local.Minute) && Has(_hours, local.Hour)
        && Has(_months, local.Month) && DayMatches(local);

    public override string ToString() => Expression;

    private bool DayMatches(DateTime t)
    {
        var lastDay = DateTime.DaysInMonth(t.Year, t.Month);
        var domMatch = Has(_daysOfMonth, t.Day) || (_lastDayOfMonth && t.Day == lastDay);
        var dowMatch = Has(_daysOfWeek, (int)t.DayOfWeek);
        foreach (var (day, nth) in _nthWeekdays)
        {
            dowMatch |= t.DayOfWeek == day && (t.Day - 1) / 7 + 1 == nth;
        }

        return (_domRestricted, _dowRestricted) switch
        {
            (true, true) => domMatch || dowMatch,
            (true, false) => domMatch,
            (false, true) => dowMatch,
            _ => true,
        };
    }

    private bool NeverMatches()
    {
        if (_dowRestricted || _lastDayOfMonth)
        {
            return false;
        }

        // Only day-of-month and month restrict the date: it matches if some chosen day exists in some chosen month.
        for (var month = 1; month <= 12; month++)
        {
            if (!Has(_months, month))
            {
                continue;
            }

            var longest = month == 2 ? 29 : DateTime.DaysInMonth(2001, month);
            if ((_daysOfMonth & AllBits(1, longest)) != 0)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Has(ulong bits, int value) => (bits & (1UL << value)) != 0;

    private static int NextBit(ulong bits, int from)
    {
        var masked = bits & (ulong.MaxValue << from);
        return masked == 0 ? -1 : BitOperations.TrailingZeroCount(masked);
    }

    private static int PreviousBit(ulong bits, int from)
    {
        var masked = from >= 63 ? bits : bits & ((1UL << (from + 1)) - 1);
        return masked == 0 ? -1 : 63 - BitOperations.LeadingZeroCount(masked);
    }

    private static ulong AllBits(int min, int max) => (ulong.MaxValue >> (63 - max)) & (ulong.MaxValue << min);

    private static ulong ParseDayOfMonth(string expression, string field, out bool last)
    {
        last = false;
        var rest = new List<string>();
        foreach (var part in field.Split(','))
        {
            if (part.Equals("L", StringComparison.OrdinalIgnoreCase))
            {
                last = true;
            }
            else
            {
                rest.Add(part);
            }
        }

        return rest.Count == 0 ? 0 : ParseField(expression, string.Join(',', rest), "day-of-month", 1, 31, null, out _);
    }

    private static (uint Days, (DayOfWeek, int)[] Nth) ParseDayOfWeek(string expression, string field)
    {
        var nth = new List<(DayOfWeek, int)>();
        var rest = new List<string>();
        foreach (var part in field.Split(','))
        {
            var hash = part.IndexOf('#', StringComparison.Ordinal);
            if (hash < 0)
            {
                rest.Add(part);
                continue;
            }

            var day = ParseValue(expression, part[..hash], "day-of-week", 0, 7, DayNames) % 7;
            if (!int.TryParse(part[(hash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1 or > 5)
            {
                throw Invalid(expression, $"'{part}' in the day-of-week field needs a week number from 1 to 5 after '#'");
            }

            nth.Add(((DayOfWeek)day, n));
        }

        var bits = rest.Count == 0 ? 0 : ParseField(expression, string.Join(',', rest), "day-of-week", 0, 7, DayNames, out _);
        if (Has(bits, 7))
        {
            bits = (bits & ~(1UL << 7)) | 1;
        }

        return ((uint)bits, nth.ToArray());
    }

    private static ulong ParseField(string expression, string field, string name, int min, int max, string[]? names, out bool star)
    {
        star = false;
        ulong bits = 0;
        foreach (var part in field.Split(','))
        {
            if (part.Length == 0)
            {
                throw Invalid(expression, $"the {name} field '{field}' has an empty list item");
            }

            if (part.Contains('L', StringComparison.OrdinalIgnoreCase) && names is null or { Length: 7 })
            {
                throw Invalid(expression, $"'L' is only supported alone in the day-of-month field, not '{part}' in the {name} field");
            }

            var slash = part.IndexOf('/', StringComparison.Ordinal);
            var rangePart = slash < 0 ? part : part[..slash];
            var step = 1;
            if (slash >= 0 && (!int.TryParse(part[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1))
            {
                throw Invalid(expression, $"'{part}' in the {name} field has a bad step; expected a positive number after '/'");
            }

            int low, high;
            if (rangePart is "*" or "?")
            {
                (low, high) = (min, max);
                star = true;
            }
            else if (rangePart.IndexOf('-', 1) is var dash and > 0)
            {
                low = ParseValue(expression, rangePart[..dash], name, min, max, names);
                high = ParseValue(expression, rangePart[(dash + 1)..], name, min, max, names);
                if (low > high)
                {
                    throw Invalid(expression, $"the range '{rangePart}' in the {name} field runs backwards");
                }
            }
            else
            {
                low = ParseValue(expression, rangePart, name, min, max, names);
                high = slash >= 0 ? max : low;
            }

            for (var v = low; v <= high; v += step)
            {
                bits |= 1UL << v;
            }
        }

        return bits;
    }

    private static int ParseValue(string expression, string text, string name, int min, int max, string[]? names)
    {
        if (names is not null)
        {
            var index = Array.FindIndex(names, n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                return index + (names.Length == 12 ? 1 : 0);
            }
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            throw Invalid(expression, $"'{text}' is not a valid {name} value");
        }

        if (value < min || value > max)
        {
            throw Invalid(expression, $"{value} is out of range for the {name} field ({min}-{max})");
        }

        return value;
    }

    private static InvalidScheduleException Invalid(string expression, string reason) =>
        new($"Invalid cron expression '{expression}': {reason}.");
}
