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
        return taskId is null ? run.State.ToWireName() : (await taskInstances.GetAsync(new TaskInstanceKey(dagId, run.RunId, taskId), cancellationToken))?.State.ToWireName();
    }
}
