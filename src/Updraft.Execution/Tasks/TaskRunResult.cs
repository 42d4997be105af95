using Updraft.Core.Runtime;
using Updraft.Core.States;

namespace Updraft.Execution.Tasks;

/// <summary>
/// How one try ended: success, skipped or failed (a failure says whether retries may follow), or up_for_reschedule (a
/// sensor giving its slot back until <see cref="RescheduleDate"/>).
/// </summary>
public sealed record TaskRunResult(TaskInstanceState State, string? Error, bool RetryAllowed, DateTimeOffset StartDate, DateTimeOffset EndDate)
{
    /// <summary>
    /// The task left this process unfit to run more tasks: it ignored cancellation and still runs, or it ran out
    /// of memory. A worker process should exit after reporting.
    /// </summary>
    public bool ProcessUnsafe { get; init; }

    /// <summary>Why the task skipped itself (its <c>TaskSkippedException</c>'s message), for its skipped callback.</summary>
    public string? SkipReason { get; init; }

    /// <summary>The context the try ran with (templates rendered), for its callbacks; null when it never started.</summary>
    public TaskContext? Context { get; init; }

    /// <summary>With up_for_reschedule: when the sensor pokes again.</summary>
    public DateTimeOffset? RescheduleDate { get; init; }

    /// <summary>With deferred: the trigger to wait on and where to resume.</summary>
    public Core.Triggers.TaskDeferredException? Deferral { get; init; }

    public TimeSpan Duration => EndDate - StartDate;
}
