using Updraft.Core.Runtime;

namespace Updraft.Tests.Shared;

/// <summary>A task log sink for <c>dag.Test()</c> runs that keeps each line's message, for assertions.</summary>
internal sealed class LineSink(List<string> lines) : ITaskLogSink
{
    public void Write(DateTimeOffset timestamp, TaskLogLevel level, string source, string message)
    {
        lock (lines)
        {
            lines.Add(message);
        }
    }
}
