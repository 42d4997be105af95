using Microsoft.Extensions.Logging;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Scheduling;

/// <summary>The scheduler's log messages, generated for the hot path.</summary>
internal static partial class SchedulerLog
{
    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskInstance} try {TryNumber} was lost: {Reason}")]
    public static partial void TaskLost(ILogger logger, TaskInstanceKey taskInstance, int tryNumber, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduler job {JobId} on {Hostname} (pid {Pid}) is dead: {Why}; its task instances are reset")]
    public static partial void DeadScheduler(ILogger logger, long jobId, string hostname, int pid, string why);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskInstance} try {TryNumber} ({State}) was left by a dead scheduler; reset")]
    public static partial void OrphanReset(ILogger logger, TaskInstanceKey taskInstance, int tryNumber, string state);

    [LoggerMessage(Level = LogLevel.Error, Message = "Scheduler job {JobId} was declared dead by another scheduler (its tries were reset); continuing as a new job")]
    public static partial void JobDeclaredDead(ILogger logger, long jobId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskId} of DAG {DagId} names executor '{Executor}', which is not configured ([core] executor = {Configured}); it waits, scheduled")]
    public static partial void UnknownExecutor(ILogger logger, string dagId, string taskId, string executor, string configured);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskInstance} try {TryNumber} was lost before it started ({Reason}); queued again, the try not counted")]
    public static partial void TaskRequeued(ILogger logger, TaskInstanceKey taskInstance, int tryNumber, string? reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskInstance} stopped heartbeating for {Threshold}; marked lost")]
    public static partial void Zombie(ILogger logger, TaskInstanceKey taskInstance, TimeSpan threshold);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Task {TaskInstance} stayed queued longer than {Timeout} without starting; marked lost")]
    public static partial void StuckQueued(ILogger logger, TaskInstanceKey taskInstance, TimeSpan timeout);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Mapped task {TaskInstance} fails: {Error}")]
    public static partial void ExpansionFailed(ILogger logger, TaskInstanceKey taskInstance, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Created run {RunId} of {DagId}")]
    public static partial void RunCreated(ILogger logger, string runId, string dagId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Run {RunId} of {DagId} missed its deadline ({Deadline}, at {At}); its deadline callback is asked for")]
    public static partial void DeadlineMissed(ILogger logger, string runId, string dagId, string deadline, DateTimeOffset at);

    [LoggerMessage(Level = LogLevel.Information, Message = "Run {RunId} of {DagId} finished: {State}")]
    public static partial void RunFinished(ILogger logger, string runId, string dagId, Core.States.DagRunState state);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Listening for work from other processes failed; listening again (the poll interval still applies)")]
    public static partial void ListenFailed(ILogger logger, Exception exception);
}
