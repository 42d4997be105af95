using Updraft.Core.Runtime;
using Updraft.Execution.Testing;

namespace Updraft.Scheduling.Triggering;

/// <summary>
/// A trigger's lines appended to its task's try log (opened for each line: thousands of triggers hold no files open);
/// with no reachable log folder they are dropped, as the triggerer's own log says what matters.
/// </summary>
internal sealed class AppendingLogSink(string? path) : ITaskLogSink
{
    public void Write(DateTimeOffset timestamp, TaskLogLevel level, string source, string message)
    {
        if (path is null)
        {
            return;
        }

        using var line = new StringWriter();
        new TextTaskLogSink(line).Write(timestamp, level, source, message);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            File.AppendAllText(path, line.ToString());
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The log is best effort: a trigger never fails for its log.
        }
    }
}
