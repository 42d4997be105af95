using Updraft.Core.States;

namespace Updraft.Execution.Tasks;

/// <summary>How one try ended: success, skipped or failed; a failure says whether retries may follow.</summary>
public sealed record TaskRunResult(TaskInstanceState State, string? Error, bool RetryAllowed, DateTimeOffset StartDate, DateTimeOffset EndDate)
{
    public TimeSpan Duration => EndDate - StartDate;
}
