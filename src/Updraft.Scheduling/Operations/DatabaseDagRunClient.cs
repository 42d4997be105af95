using System.Text.Json.Nodes;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Operations;

/// <summary>
/// Cross-DAG calls on the metadata database: what the execution API serves to tries, and what <c>dags test</c> gives
/// its tasks (as Airflow's <c>dags test</c>, a triggered run is a real queued run in the database).
/// </summary>
public sealed class DatabaseDagRunClient(IDagStore dags, IDagRunStore runs, ITaskInstanceStore taskInstances, TimeProvider timeProvider) : IDagRunClient
{
    public async Task TriggerAsync(string dagId, string runId, DateTimeOffset logicalDate, JsonObject? conf, CancellationToken cancellationToken = default)
    {
        if (await dags.GetAsync(dagId, cancellationToken) is not { IsActive: true })
        {
            // A DAG whose file is gone keeps its rows but takes no new runs, as the REST API's trigger refuses it.
            throw new DagRunTriggerException($"DAG '{dagId}' not found.", DagRunTriggerError.DagNotFound);
        }

        try
        {
            await DagRunService.CreateManualRunAsync(dags, runs, new TriggerRequest(dagId) { RunId = runId, LogicalDate = logicalDate, Conf = conf }, timeProvider.GetUtcNow(), cancellationToken);
        }
        catch (OperationException e)
        {
            throw new DagRunTriggerException(e.Message, e.Kind switch
            {
                OperationError.Conflict => DagRunTriggerError.AlreadyExists,
                OperationError.NotFound => DagRunTriggerError.DagNotFound,
                _ => DagRunTriggerError.Invalid,
            });
        }
        catch (ParamValidationException e)
        {
            throw new DagRunTriggerException($"The conf for a run of {dagId} is invalid: {e.Message}");
        }
        catch (ArgumentException e)
        {
            // A run id with characters run ids may not have.
            throw new DagRunTriggerException(e.Message);
        }
    }

    public async Task<string?> GetRunStateAsync(string dagId, string runId, CancellationToken cancellationToken = default) =>
        (await runs.GetAsync(dagId, runId, cancellationToken))?.State.ToWireName();

    public async Task<string?> GetStateAtAsync(string dagId, string? taskId, DateTimeOffset logicalDate, CancellationToken cancellationToken = default)
    {
        var page = await runs.QueryAsync(new DagRunQuery { DagIds = [dagId], LogicalDateGte = logicalDate, LogicalDateLte = logicalDate, Page = new() { Limit = 1 } }, cancellationToken);
        if (page.Items.Count == 0)
        {
            return null;
        }

        var run = page.Items[0];
        if (taskId is null)
        {
            return run.State.ToWireName();
        }

        var states = (await taskInstances.ListForRunAsync(dagId, run.RunId, cancellationToken))
            .Where(ti => ti.TaskId == taskId && ti.State != TaskInstanceState.Removed)
            .Select(ti => ti.State)
            .ToList();
        return states.Count == 0 ? null : Combine(states).ToWireName();
    }

    /// <summary>
    /// One state for a task's instances (several when it is mapped): theirs when they agree; else failed when one
    /// failed, not finished while one runs or waits, and success when all ended in success or skipped.
    /// </summary>
    private static TaskInstanceState Combine(List<TaskInstanceState> states)
    {
        if (states.All(s => s == states[0]))
        {
            return states[0];
        }

        if (states.Any(s => s is TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed))
        {
            return TaskInstanceState.Failed;
        }

        return states.All(s => s is TaskInstanceState.Success or TaskInstanceState.Skipped) ? TaskInstanceState.Success : TaskInstanceState.Running;
    }
}
