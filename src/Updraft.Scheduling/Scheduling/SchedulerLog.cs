using Microsoft.Extensions.Logging;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Scheduling;

/// <summary>The scheduler's log messages, generated for the hot path.</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskInstance} try {TryNumber} was lost: {Reason}")]
    public static partial void TaskLost(ILogger logger, TaskInstanceKey taskInstance, int tryNumber, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskInstance} try {TryNumber} was lost before it started ({Reason}); queued again, the try not counted")]
    public static partial void TaskRequeued(ILogger logger, TaskInstanceKey taskInstance, int tryNumber, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskInstance} stopped heartbeating for {Threshold}; marked lost")]
    public static partial void Zombie(ILogger logger, TaskInstanceKey taskInstance, TimeSpan threshold);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskInstance} stayed queued longer than {Timeout} without starting; marked lost")]
    public static partial void StuckQueued(ILogger logger, TaskInstanceKey taskInstance, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created run {RunId} of {DagId}")]
    public static partial void RunCreated(ILogger logger, string runId, string dagId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of {DagId} finished: {State}")]
    public static partial void RunFinished(ILogger logger, string runId, string dagId, Core.States.DagRunState state);
}
