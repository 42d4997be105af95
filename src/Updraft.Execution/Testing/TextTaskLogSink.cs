using System.Globalization;
using Updraft.Core.Runtime;

namespace Updraft.Execution.Testing;

/// <summary>Writes task log lines to a console or file writer as <c>[2025-01-01T00:00:00.000+0000] {source} INFO - message</c>.</summary>
public sealed class TextTaskLogSink(TextWriter writer) : ITaskLogSink
{
    private readonly Lock _gate = new();

    public void Write(DateTimeOffset timestamp, TaskLogLevel level, string source, string message)
    {
        var line = string.Create(
            CultureInfo.InvariantCulture,
            $"[{timestamp.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss.fff}+0000] {{{source}}} {level.ToString().ToUpperInvariant()} - {message}");
        lock (_gate)
        {
            writer.WriteLine(line);
        }
    }
}
