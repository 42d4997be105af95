using Updraft.Core.DagRuns;
using Updraft.Core.States;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Scheduling;

/// <summary>
/// What a failed or lost try becomes: up_for_retry with its retry time when the task (in its run's DAG version) has
/// retries left, failed otherwise. One rule for the scheduler (lost tries) and the execution API (failed tries).
/// </summary>
internal sealed class FailedTryOutcome(DagRunStore runs, SerializedDagCache serialized, TimeSpan maxRetryDelay)
{
    public async Task<(TaskInstanceState State, DateTimeOffset? RetryAt)> DecideAsync(TaskInstanceKey key, int tryNumber, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var run = await runs.GetAsync(key.DagId, key.RunId, cancellationToken);
        var dag = run is null ? null : await serialized.GetAsync(key.DagId, run.DagVersion, cancellationToken);
        if (run is null || dag?.Tasks.FirstOrDefault(t => t.TaskId == key.TaskId) is not { } task || !RetryPolicy.CanRetry(task, tryNumber))
        {
            return (TaskInstanceState.Failed, null);
        }

        return (TaskInstanceState.UpForRetry, now + RetryPolicy.NextRetryDelay(task, key.DagId, Micros.To(run.LogicalDate), tryNumber, maxRetryDelay));
    }
}
