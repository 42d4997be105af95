using System.Globalization;

namespace Updraft.Core.Runtime;

/// <summary>Dates formatted as Python's <c>isoformat()</c> writes them, which Airflow's templates and run ids use.</summary>
public static class Iso
{
    /// <summary><c>2025-01-01T00:00:00+00:00</c>, with microseconds only when there are any.</summary>
    public static string Format(DateTimeOffset value)
    {
        var utc = value.ToUniversalTime();
        var fraction = utc.Ticks % TimeSpan.TicksPerSecond;
        var text = utc.ToString(fraction == 0 ? "yyyy-MM-dd'T'HH:mm:ss" : "yyyy-MM-dd'T'HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
        return text + "+00:00";
    }

    public static string Date(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    public static string DateNoDash(DateTimeOffset value) => value.ToUniversalTime().ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    public static string TimestampNoDash(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyyMMdd'T'HHmmss", CultureInfo.InvariantCulture);

    /// <summary>Reads a date or date-time; a value without an offset is UTC.</summary>
    public static bool TryParse(string text, out DateTimeOffset value) => DateTimeOffset.TryParse(
        text,
        CultureInfo.InvariantCulture,
        DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal,
        out value);
}
