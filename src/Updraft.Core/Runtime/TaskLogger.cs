namespace Updraft.Core.Runtime;

/// <summary>A task's logger: what task code and operators write to the task's log, with known secrets masked.</summary>
public sealed class TaskLogger(ITaskLogSink sink, TimeProvider timeProvider, string source = "task", SecretMasker? masker = null)
{
    public void Debug(string message) => Write(TaskLogLevel.Debug, message);

    public void Info(string message) => Write(TaskLogLevel.Info, message);

    public void Warning(string message) => Write(TaskLogLevel.Warning, message);

    public void Error(string message) => Write(TaskLogLevel.Error, message);

    public void Write(TaskLogLevel level, string message) =>
        sink.Write(timeProvider.GetUtcNow(), level, source, masker is null ? message : masker.Mask(message));

    /// <summary>The same log under another source name (such as the runner's own lines).</summary>
    public TaskLogger ForSource(string name) => new(sink, timeProvider, name, masker);
}
