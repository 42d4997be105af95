using System.Text;
using System.Text.Json;
using YamlDotNet.Serialization;

namespace Updraft.Cli.Output;

/// <summary>
/// Writes a listing in the chosen format. Values are strings (or lists of strings), as Airflow's CLI prints
/// them, so scripts written against its JSON and YAML keep working.
/// </summary>
public static class Rows
{
    public static void Write(TextWriter writer, OutputFormat format, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyDictionary<string, object?>> rows)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(rows);
        switch (format)
        {
            case OutputFormat.Json:
                writer.WriteLine(JsonSerializer.Serialize(rows.Select(r => Ordered(columns, r)), JsonOptions));
                break;
            case OutputFormat.Yaml:
                writer.Write(new SerializerBuilder().Build().Serialize(rows.Select(r => Ordered(columns, r)).ToList()));
                break;
            case OutputFormat.Plain:
                WriteAligned(writer, columns, rows, separator: "  ", rule: false);
                break;
            default:
                if (rows.Count == 0)
                {
                    writer.WriteLine("No data found");
                    return;
                }

                WriteAligned(writer, columns, rows, separator: " | ", rule: true);
                break;
        }
    }

    // Output goes to a terminal or a script, not into HTML: '+' in dates must stay '+'.
    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = false, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static Dictionary<string, object?> Ordered(IReadOnlyList<string> columns, IReadOnlyDictionary<string, object?> row)
    {
        var ordered = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var column in columns)
        {
            ordered[column] = row.GetValueOrDefault(column);
        }

        return ordered;
    }

    private static string Cell(object? value) => value switch
    {
        null => "None",
        IEnumerable<string> list => string.Join(", ", list),
        _ => value.ToString() ?? "",
    };

    private static void WriteAligned(TextWriter writer, IReadOnlyList<string> columns, IReadOnlyList<IReadOnlyDictionary<string, object?>> rows, string separator, bool rule)
    {
        var cells = rows.Select(r => columns.Select(c => Cell(r.GetValueOrDefault(c))).ToArray()).ToList();
        var widths = columns.Select((c, i) => Math.Max(c.Length, cells.Count == 0 ? 0 : cells.Max(r => r[i].Length))).ToArray();
        writer.WriteLine(Line(columns.ToArray(), widths, separator));
        if (rule)
        {
            writer.WriteLine(string.Join("=+=", widths.Select(w => new string('=', w))));
        }

        foreach (var row in cells)
        {
            writer.WriteLine(Line(row, widths, separator));
        }
    }

    private static string Line(string[] values, int[] widths, string separator)
    {
        var line = new StringBuilder();
        for (var i = 0; i < values.Length; i++)
        {
            if (i > 0)
            {
                line.Append(separator);
            }

            line.Append(i == values.Length - 1 ? values[i] : values[i].PadRight(widths[i]));
        }

        return line.ToString().TrimEnd();
    }
}
