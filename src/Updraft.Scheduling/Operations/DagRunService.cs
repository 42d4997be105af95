using Updraft.Core.DagRuns;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Operations;

/// <summary>Triggering and finding DAG runs, with the rules the CLI and the REST API share.</summary>
public sealed class DagRunService(IDagStore dags, IDagRunStore runs, ITaskInstanceStore taskInstances, EventLogStore events, TimeProvider timeProvider)
{
    public Task<Page<DagRunRecord>> ListAsync(DagRunQuery query, CancellationToken cancellationToken = default) => runs.QueryAsync(query, cancellationToken);

    /// <summary>
    /// Creates a manual run, queued for the scheduler. Refused when the DAG is unknown or paused, when the conf breaks
    /// the DAG's params (<see cref="Core.Dags.ParamValidationException"/>), or when the run id is taken.
    /// </summary>
    public async Task<DagRunRecord> TriggerAsync(TriggerRequest request, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(actor);
        var record = await dags.GetAsync(request.DagId, cancellationToken);
        if (record is not { IsActive: true })
        {
            throw OperationException.DagNotFound(request.DagId);
        }

        if (record.IsPaused)
        {
            throw new OperationException(OperationError.Conflict, $"DAG '{request.DagId}' is paused; unpause it first with 'updraft dags unpause {request.DagId}'.");
        }

        CheckNote(request.Note);
        var run = await CreateManualRunAsync(dags, runs, request, timeProvider.GetUtcNow(), cancellationToken);
        await events.AddAsync($"{actor.Via}_trigger", actor.User, request.DagId, runId: run.RunId, cancellationToken: cancellationToken);
        if (request.Note is { } note)
        {
            await runs.SetNoteAsync(run.DagId, run.RunId, note, actor.User, cancellationToken);
            run = await runs.GetAsync(run.DagId, run.RunId, cancellationToken) ?? run;
        }

        return run;
    }

    /// <summary>
    /// Creates a manual run from the DAG's latest version, queued, after checking the conf against its params: the
    /// part of <see cref="TriggerAsync"/> without its rules about who may trigger what (tests and benchmarks use it).
    /// </summary>
    public static async Task<DagRunRecord> CreateManualRunAsync(IDagStore dags, IDagRunStore runs, TriggerRequest request, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dags);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(request);
        var (dag, version) = await dags.GetSerializedAsync(request.DagId, null, cancellationToken) ?? throw OperationException.DagNotFound(request.DagId);
        var conf = request.Conf;
        ValidateConf(dag, conf);

        var date = (request.LogicalDate ?? now).ToUniversalTime();
        var id = Names.RunId(request.RunId ?? RunIds.Generate(DagRunType.Manual, date));
        var info = new Core.Timetables.DagRunInfo(date, dag.Timetable.ToTimetable().InferManualDataInterval(date));
        try
        {
            return await runs.CreateAsync(dag, version, id, DagRunType.Manual, info, conf, DagRunState.Queued, now, cancellationToken);
        }
        catch (DagRunExistsException e)
        {
            throw new OperationException(OperationError.Conflict, e.Message);
        }
    }

    /// <summary>Checks a run's conf against the DAG's params (a param the conf leaves out is checked with its default).</summary>
    internal static void ValidateConf(Core.Serialization.SerializedDag dag, System.Text.Json.Nodes.JsonObject? conf)
    {
        foreach (var (name, param) in dag.Params)
        {
            if (conf is null || !conf.ContainsKey(name))
            {
                param.ToParam().Validate(name, param.HasDefault ? param.Default : null);
            }
            else
            {
                param.ToParam().Validate(name, conf[name]);
            }
        }
    }

    /// <summary>A run by id, or by logical date when the text is an ISO date; <see cref="OperationError.NotFound"/> otherwise.</summary>
    public async Task<DagRunRecord> FindAsync(string dagId, string runIdOrDate, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(runIdOrDate);
        if (await runs.GetAsync(dagId, runIdOrDate, cancellationToken) is { } byId)
        {
            return byId;
        }

        if (Iso.TryParse(runIdOrDate, out var date))
        {
            var page = await runs.QueryAsync(new DagRunQuery { DagIds = [dagId], LogicalDateGte = date, LogicalDateLte = date, Page = new() { Limit = 1 } }, cancellationToken);
            if (page.Items.Count > 0)
            {
                return page.Items[0];
            }
        }

        throw await dags.GetAsync(dagId, cancellationToken) is null
            ? OperationException.DagNotFound(dagId)
            : new OperationException(OperationError.NotFound, $"DAG '{dagId}' has no run '{runIdOrDate}'.");
    }

    /// <summary>
    /// Marks a run by hand, as Airflow does: success marks every task instance that has not succeeded success; failed
    /// fails the ones that started or wait to go on (queued, running, deferred, up for retry or reschedule) and skips those not yet scheduled or queued; queued only requeues the run.
    /// Each task change is guarded (ADR 0011): one that moved meanwhile is left as it is.
    /// </summary>
    public async Task<DagRunRecord> SetStateAsync(string dagId, string runId, DagRunState state, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var run = await GetExactAsync(dagId, runId, cancellationToken);
        if (run.State == state)
        {
            return run;
        }

        if (!DagRunTransitions.IsAllowed(run.State, state))
        {
            throw new OperationException(OperationError.Conflict, $"Run {runId} of DAG '{dagId}' cannot go from {run.State.ToWireName()} to {state.ToWireName()}.");
        }

        var now = timeProvider.GetUtcNow();
        if (state is DagRunState.Success or DagRunState.Failed)
        {
            var changes = new List<TaskInstanceChange>();
            foreach (var ti in await taskInstances.ListForRunAsync(dagId, runId, cancellationToken))
            {
                var target = state == DagRunState.Success
                    ? TaskInstanceState.Success
                    : ti.State is TaskInstanceState.None or TaskInstanceState.Scheduled ? TaskInstanceState.Skipped : TaskInstanceState.Failed;
                var wanted = state == DagRunState.Success
                    ? ti.State is not (TaskInstanceState.Success or TaskInstanceState.Removed or TaskInstanceState.Skipped)
                    : ti.State.IsUnfinished();
                if (wanted && TaskInstanceTransitions.IsAllowed(ti.State, target))
                {
                    changes.Add(new TaskInstanceChange(ti.Key, ti.State, target));
                }
            }

            await taskInstances.TransitionAsync(changes, now, cancellationToken);
        }

        if (!await runs.TransitionAsync(run.Id, run.State, state, now, cancellationToken: cancellationToken))
        {
            throw new OperationException(OperationError.Conflict, $"Run {runId} of DAG '{dagId}' changed while it was being marked; look at it again.");
        }

        await events.AddAsync($"{actor.Via}_set_dag_run_state", actor.User, dagId, runId: runId, extra: state.ToWireName(), cancellationToken: cancellationToken);
        return await runs.GetAsync(dagId, runId, cancellationToken) ?? run;
    }

    private async Task<DagRunRecord> GetExactAsync(string dagId, string runId, CancellationToken cancellationToken) =>
        await runs.GetAsync(dagId, runId, cancellationToken)
            ?? throw (await dags.GetAsync(dagId, cancellationToken) is null
                ? OperationException.DagNotFound(dagId)
                : new OperationException(OperationError.NotFound, $"DAG '{dagId}' has no run '{runId}'."));

    /// <summary>The longest note a run or task instance may carry (Airflow's limit).</summary>
    public const int MaxNoteLength = 1000;

    internal static void CheckNote(string? note)
    {
        if (note is { Length: > MaxNoteLength })
        {
            throw new OperationException(OperationError.Invalid, $"A note may be at most {MaxNoteLength} characters long; this one has {note.Length}.");
        }
    }

    /// <summary>Sets, or with null removes, the note on a run; the actor is recorded as its writer.</summary>
    public async Task<DagRunRecord> SetNoteAsync(string dagId, string runId, string? note, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        CheckNote(note);
        if (!await runs.SetNoteAsync(dagId, runId, note, actor.User, cancellationToken))
        {
            await GetExactAsync(dagId, runId, cancellationToken);
        }

        await events.AddAsync($"{actor.Via}_set_dag_run_note", actor.User, dagId, runId: runId, cancellationToken: cancellationToken);
        return await GetExactAsync(dagId, runId, cancellationToken);
    }

    /// <summary>Deletes a run with its task instances, their history and XComs.</summary>
    public async Task DeleteAsync(string dagId, string runId, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        if (!await runs.DeleteAsync(dagId, runId, cancellationToken))
        {
            await GetExactAsync(dagId, runId, cancellationToken);
        }

        await events.AddAsync($"{actor.Via}_delete_dag_run", actor.User, dagId, runId: runId, cancellationToken: cancellationToken);
    }
}
