using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Runtime;

namespace Updraft.Core.Templates;

/// <summary>A function a template can call (<c>macros.ds_add</c>): positional and keyword arguments in, a value out.</summary>
public delegate object? TemplateFunction(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named);

/// <summary>
/// The macros and filters templates can use: Airflow's <c>macros.*</c> (<c>ds_add</c>, <c>ds_format</c>,
/// <c>datetime</c>, <c>timedelta</c>), its date filters (<c>ds</c>, <c>ds_nodash</c>, <c>ts</c>, <c>ts_nodash</c>,
/// <c>ts_nodash_with_tz</c>) and the Jinja built-in filters Airflow users use most.
/// </summary>
public static class TemplateFunctions
{
    /// <summary>The <c>macros</c> namespace.</summary>
    public static IReadOnlyDictionary<string, object?> Macros { get; } = new Dictionary<string, object?>(StringComparer.Ordinal)
    {
        ["ds_add"] = new TemplateFunction((a, _) => Iso.Date(ParseDs(Arg<string>(a, 0, "ds_add")).AddDays((double)Number(Arg<object>(a, 1, "ds_add"))))),
        ["ds_format"] = new TemplateFunction((a, _) => Strftime(Strptime(Arg<string>(a, 0, "ds_format"), Arg<string>(a, 1, "ds_format")), Arg<string>(a, 2, "ds_format"))),
        ["datetime"] = new TemplateFunction((a, n) => new DateTimeOffset(
            Int(a, n, 0, "year", null), Int(a, n, 1, "month", null), Int(a, n, 2, "day", null),
            Int(a, n, 3, "hour", 0), Int(a, n, 4, "minute", 0), Int(a, n, 5, "second", 0), TimeSpan.Zero)),
        ["timedelta"] = new TemplateFunction((a, n) =>
            TimeSpan.FromDays(Dbl(a, n, 0, "days")) + TimeSpan.FromSeconds(Dbl(a, n, 1, "seconds")) + TimeSpan.FromMilliseconds(Dbl(a, n, 3, "milliseconds"))
            + TimeSpan.FromMinutes(Dbl(a, n, 4, "minutes")) + TimeSpan.FromHours(Dbl(a, n, 5, "hours")) + TimeSpan.FromDays(7 * Dbl(a, n, 6, "weeks"))),
    };

    /// <summary>Filter names, for the error that lists them.</summary>
    public static IReadOnlyCollection<string> FilterNames => Filters.Keys;

    private delegate object? FilterFunction(object? input, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named);

    private static readonly Dictionary<string, FilterFunction> Filters = new(StringComparer.Ordinal)
    {
        ["ds"] = (x, _, _) => Iso.Date(Date(x, "ds")),
        ["ds_nodash"] = (x, _, _) => Iso.DateNoDash(Date(x, "ds_nodash")),
        ["ts"] = (x, _, _) => Iso.Format(Date(x, "ts")),
        ["ts_nodash"] = (x, _, _) => Iso.TimestampNoDash(Date(x, "ts_nodash")),
        ["ts_nodash_with_tz"] = (x, _, _) => Iso.TimestampNoDash(Date(x, "ts_nodash_with_tz")) + "+0000",
        ["upper"] = (x, _, _) => Text(x).ToUpperInvariant(),
        ["lower"] = (x, _, _) => Text(x).ToLowerInvariant(),
        ["title"] = (x, _, _) => CultureInfo.InvariantCulture.TextInfo.ToTitleCase(Text(x).ToLowerInvariant()),
        ["capitalize"] = (x, _, _) => Text(x) is { Length: > 0 } s ? char.ToUpperInvariant(s[0]) + s[1..].ToLowerInvariant() : "",
        ["trim"] = (x, _, _) => Text(x).Trim(),
        ["replace"] = (x, a, _) => Text(x).Replace(TemplateRenderer.Format(Arg<object>(a, 0, "replace")), TemplateRenderer.Format(Arg<object>(a, 1, "replace")), StringComparison.Ordinal),
        ["string"] = (x, _, _) => Text(x),
        ["int"] = (x, _, _) => x is string s ? (decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var d) ? decimal.Truncate(d) : 0m) : decimal.Truncate(Number(x)),
        ["float"] = (x, _, _) => x is string s ? (decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : 0m) : Number(x),
        ["length"] = (x, _, _) => (decimal)Items(x).Count,
        ["count"] = (x, _, _) => (decimal)Items(x).Count,
        ["first"] = (x, _, _) => Items(x) is { Count: > 0 } items ? items[0] : null,
        ["last"] = (x, _, _) => Items(x) is { Count: > 0 } items ? items[^1] : null,
        ["join"] = (x, a, _) => string.Join(a.Count > 0 ? TemplateRenderer.Format(a[0]) : "", Items(x).Select(TemplateRenderer.Format)),
        ["tojson"] = (x, _, _) => ToJson(x),
        ["default"] = Default,
        ["d"] = Default,
    };

    /// <summary>Applies filter <paramref name="name"/>; a clear error for one that does not exist.</summary>
    internal static object? ApplyFilter(string name, object? input, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named, string fieldName)
    {
        if (!Filters.TryGetValue(name, out var filter))
        {
            throw new TemplateException(
                $"Template error in '{fieldName}': the filter '{name}' is not supported; supported filters: {string.Join(", ", Filters.Keys.Order(StringComparer.Ordinal))}.");
        }

        if (input is TemplateUndefined undefined && name is not ("default" or "d"))
        {
            throw undefined.Error(fieldName);
        }

        try
        {
            return filter(input, args, named);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or InvalidCastException or OverflowException)
        {
            throw new TemplateException($"Template error in '{fieldName}': the filter '{name}' cannot apply to {Describe(input)}: {e.Message}");
        }
    }

    /// <summary>Calls a method of a date (<c>strftime</c>, <c>isoformat</c>) or reads one of its fields; null when there is none.</summary>
    internal static (bool Found, object? Value) DateMember(DateTimeOffset date, string name) => name switch
    {
        "year" => (true, (decimal)date.Year),
        "month" => (true, (decimal)date.Month),
        "day" => (true, (decimal)date.Day),
        "hour" => (true, (decimal)date.Hour),
        "minute" => (true, (decimal)date.Minute),
        "second" => (true, (decimal)date.Second),
        "strftime" => (true, new TemplateFunction((a, _) => Strftime(date, Arg<string>(a, 0, "strftime")))),
        "isoformat" => (true, new TemplateFunction((_, _) => Iso.Format(date))),
        "date" => (true, new TemplateFunction((_, _) => Iso.Date(date))),
        _ => (false, null),
    };

    /// <summary>Python's <c>strftime</c> directives on a date (in UTC, as Airflow's dates).</summary>
    public static string Strftime(DateTimeOffset date, string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var d = date.ToUniversalTime();
        var text = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                text.Append(format[i]);
                continue;
            }

            var directive = format[++i];
            text.Append(directive switch
            {
                'j' => d.DayOfYear.ToString("000", CultureInfo.InvariantCulture),
                'z' => "+0000",
                'Z' => "UTC",
                '%' => "%",
                _ => d.ToString(NetFormat(directive), CultureInfo.InvariantCulture),
            });
        }

        return text.ToString();
    }

    /// <summary>Python's <c>strptime</c>: reads <paramref name="text"/> written in <paramref name="format"/> as a UTC date.</summary>
    public static DateTimeOffset Strptime(string text, string format)
    {
        ArgumentNullException.ThrowIfNull(format);
        var net = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] == '%' && i + 1 < format.Length)
            {
                net.Append(format[++i] == '%' ? "\\%" : NetFormat(format[i]));
            }
            else
            {
                net.Append('\\').Append(format[i]);
            }
        }

        return DateTime.TryParseExact(text, net.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)
            ? new DateTimeOffset(DateTime.SpecifyKind(parsed, DateTimeKind.Utc))
            : throw new FormatException($"'{text}' does not match the format '{format}'.");
    }

    private static string NetFormat(char directive) => directive switch
    {
        'Y' => "yyyy",
        'y' => "yy",
        'm' => "MM",
        'd' => "dd",
        'H' => "HH",
        'I' => "hh",
        'M' => "mm",
        'S' => "ss",
        'f' => "ffffff",
        'p' => "tt",
        'b' => "MMM",
        'B' => "MMMM",
        'a' => "ddd",
        'A' => "dddd",
        _ => throw new FormatException($"the strftime directive '%{directive}' is not supported"),
    };

    private static object? Default(object? input, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named)
    {
        var fallback = args.Count > 0 ? args[0] : "";
        var orFalsy = (args.Count > 1 && args[1] is true) || (named.TryGetValue("boolean", out var b) && b is true);
        return input is TemplateUndefined || (orFalsy && IsFalsy(input)) ? fallback : input;
    }

    private static bool IsFalsy(object? value) => value switch
    {
        null => true,
        string s => s.Length == 0,
        bool b => !b,
        decimal d => d == 0,
        JsonValue v when v.GetValueKind() is JsonValueKind.False or JsonValueKind.Null => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Length == 0,
        _ => false,
    };

    private static string ToJson(object? value) => value switch
    {
        JsonNode node => node.ToJsonString(),
        DateTimeOffset d => JsonSerializer.Serialize(Iso.Format(d)),
        _ => JsonSerializer.Serialize(value, value?.GetType() ?? typeof(object)),
    };

    private static string Text(object? value) => TemplateRenderer.Format(value);

    private static IReadOnlyList<object?> Items(object? value) => value switch
    {
        string s => [.. s.Select(c => (object?)c.ToString())],
        JsonArray array => [.. array],
        JsonObject obj => [.. obj.Select(p => (object?)p.Key)],
        System.Collections.IDictionary map => [.. map.Keys.Cast<object?>()],
        System.Collections.IEnumerable items => [.. items.Cast<object?>()],
        _ => throw new ArgumentException($"{Describe(value)} is not a list"),
    };

    internal static decimal Number(object? value) => value switch
    {
        decimal d => d,
        int i => i,
        long l => l,
        double f => (decimal)f,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<decimal>(),
        string s when decimal.TryParse(s, NumberStyles.Number, CultureInfo.InvariantCulture, out var parsed) => parsed,
        _ => throw new ArgumentException($"{Describe(value)} is not a number"),
    };

    internal static string Describe(object? value) => value switch
    {
        null => "None",
        string s => $"'{s}'",
        _ => TemplateRenderer.Format(value),
    };

    private static DateTimeOffset Date(object? value, string filter) => value switch
    {
        DateTimeOffset d => d,
        string s => ParseDs(s),
        _ => throw new ArgumentException($"the filter '{filter}' needs a date, not {Describe(value)}"),
    };

    private static DateTimeOffset ParseDs(string ds) =>
        DateTimeOffset.TryParse(ds, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var date)
            ? date
            : throw new FormatException($"'{ds}' is not a date (YYYY-MM-DD)");

    private static T Arg<T>(IReadOnlyList<object?> args, int index, string function) =>
        index < args.Count && args[index] is T value
            ? value
            : throw new ArgumentException($"{function}() needs argument {index + 1}{(typeof(T) == typeof(string) ? " as a string" : "")}");

    private static int Int(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named, int index, string name, int? fallback) =>
        named.TryGetValue(name, out var n) ? (int)Number(n)
        : index < args.Count ? (int)Number(args[index])
        : fallback ?? throw new ArgumentException($"datetime() needs {name}");

    private static double Dbl(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> named, int index, string name) =>
        named.TryGetValue(name, out var n) ? (double)Number(n) : index < args.Count ? (double)Number(args[index]) : 0;
}

/// <summary>A name that is not defined: an error when printed or used, except by the <c>default</c> filter (Jinja's StrictUndefined).</summary>
internal sealed record TemplateUndefined(string Name)
{
    public TemplateException Error(string fieldName) => new($"Template error in '{fieldName}': '{Name}' is undefined.");
}
