namespace Updraft.Core.Runtime;

/// <summary>Receives a task's log lines: the console for tests, a per-try file for real runs.</summary>
public interface ITaskLogSink
{
    void Write(DateTimeOffset timestamp, TaskLogLevel level, string source, string message);
}
