using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Operations;

/// <summary>Clearing and marking task instances, with the rules the CLI and the REST API share.</summary>
public sealed class TaskInstanceService(IDagStore dags, IDagRunStore runs, ITaskInstanceStore taskInstances, EventLogStore events, TimeProvider timeProvider)
{
    public Task<Page<TaskInstanceRecord>> ListAsync(TaskInstanceQuery query, CancellationToken cancellationToken = default) => taskInstances.QueryAsync(query, cancellationToken);

    /// <summary>
    /// Clears the task instances <paramref name="request"/> selects so the scheduler runs them again (their runs
    /// reopen); a queued or running one becomes restarting and its try is stopped. Removed task instances are never
    /// selected. With <see cref="ClearRequest.RunOnLatestVersion"/> the selected runs move to the latest version first.
    /// </summary>
    public async Task<ClearResult> ClearAsync(ClearRequest request, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(actor);
        if (await dags.GetAsync(request.DagId, cancellationToken) is null)
        {
            throw OperationException.DagNotFound(request.DagId);
        }

        // All matching runs in one read, so that a run created or deleted meanwhile cannot shift a page.
        var query = new DagRunQuery
        {
            DagIds = [request.DagId],
            LogicalDateGte = request.StartDate,
            LogicalDateLte = request.EndDate,
            Page = new() { Limit = int.MaxValue },
        };
        var matching = (await runs.QueryAsync(query, cancellationToken)).Items.Where(r => request.RunId is null || r.RunId == request.RunId).ToList();

        var newest = request.RunOnLatestVersion ? await dags.GetSerializedAsync(request.DagId, null, cancellationToken) : null;
        var selected = new List<(TaskInstanceKey Key, int Retries)>();
        var moving = new List<DagRunRecord>();
        foreach (var run in matching)
        {
            if (newest is { } n && n.Version != run.DagVersion)
            {
                moving.Add(run);
            }

            var (dag, _) = newest ?? await dags.GetSerializedAsync(request.DagId, run.DagVersion, cancellationToken)
                ?? throw new OperationException(OperationError.NotFound, $"DAG '{request.DagId}' has no version {run.DagVersion}.");
            var wanted = ExpandForClear(dag, dag.Tasks.Select(t => t.TaskId).Where(id => Matches(request, id)), request.IncludeDownstream, request.IncludeUpstream);
            foreach (var ti in await taskInstances.ListForRunAsync(run.DagId, run.RunId, cancellationToken))
            {
                if (wanted.Contains(ti.TaskId) && ti.State != TaskInstanceState.Removed
                    && (!request.OnlyFailed || ti.State is TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed)
                    && (!request.OnlyRunning || ti.State == TaskInstanceState.Running))
                {
                    selected.Add((ti.Key, dag.GetTask(ti.TaskId).Retries));
                }
            }
        }

        var keys = selected.Select(s => s.Key).ToList();
        if (request.DryRun)
        {
            return new ClearResult(keys, [.. moving.Select(r => new RunMove(r.RunId, r.DagVersion, newest!.Value.Version, []))], []) { ToVersion = newest?.Version };
        }

        var moved = new List<RunMove>();
        foreach (var run in moving)
        {
            var removed = await runs.MoveToVersionAsync(run, newest!.Value.Dag, newest.Value.Version, cancellationToken);
            moved.Add(new RunMove(run.RunId, run.DagVersion, newest.Value.Version, removed));
        }

        var cleared = await taskInstances.ClearAsync(selected, cancellationToken);
        if (cleared.Count > 0 || moved.Count > 0)
        {
            await events.AddAsync($"{actor.Via}_clear", actor.User, request.DagId, extra: $"{cleared.Count} task instance(s)", cancellationToken: cancellationToken);
        }

        return new ClearResult(keys, moved, cleared) { ToVersion = newest?.Version };
    }

    /// <summary>
    /// Marks a task instance success, failed or skipped by hand. A queued or running try loses its row (its next
    /// heartbeat stops it; its own end is refused), and the run is evaluated again so downstream tasks follow.
    /// </summary>
    public async Task<TaskInstanceRecord> SetStateAsync(TaskInstanceKey key, TaskInstanceState state, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(actor);
        if (state is not (TaskInstanceState.Success or TaskInstanceState.Failed or TaskInstanceState.Skipped))
        {
            throw new ArgumentException($"A task instance is marked success, failed or skipped, not {state.ToWireName()}.", nameof(state));
        }

        var current = await taskInstances.GetAsync(key, cancellationToken)
            ?? throw new OperationException(OperationError.NotFound, $"Task instance {key.DagId}.{key.TaskId} of run {key.RunId} not found.");
        if (current.State == state)
        {
            return current;
        }

        if (!TaskInstanceTransitions.IsAllowed(current.State, state)
            || await taskInstances.TransitionAsync([new TaskInstanceChange(key, current.State, state)], timeProvider.GetUtcNow(), cancellationToken) == 0)
        {
            throw new OperationException(OperationError.Conflict, $"Task instance {key.DagId}.{key.TaskId} of run {key.RunId} cannot go from {current.State.ToWireName()} to {state.ToWireName()} now.");
        }

        await events.AddAsync($"{actor.Via}_set_task_instance_state", actor.User, key.DagId, key.TaskId, key.RunId, state.ToWireName(), cancellationToken);
        return await taskInstances.GetAsync(key, cancellationToken) ?? current;
    }

    /// <summary>Sets, or with null removes, the note on a task instance; the actor is recorded as its writer.</summary>
    public async Task<TaskInstanceRecord> SetNoteAsync(TaskInstanceKey key, string? note, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(actor);
        DagRunService.CheckNote(note);
        if (!await taskInstances.SetNoteAsync(key, note, actor.User, cancellationToken))
        {
            throw new OperationException(OperationError.NotFound, $"Task instance {key} not found.");
        }

        await events.AddAsync($"{actor.Via}_set_task_instance_note", actor.User, key.DagId, key.TaskId, key.RunId, cancellationToken: cancellationToken);
        return await taskInstances.GetAsync(key, cancellationToken) ?? throw new OperationException(OperationError.NotFound, $"Task instance {key} not found.");
    }

    /// <summary>
    /// Marks a task instance and, on request, the task instances of its run upstream and/or downstream of it, as
    /// Airflow's mark success / failed does, and with <paramref name="future"/> / <paramref name="past"/> the same in the
    /// DAG's later / earlier runs. Each change is guarded; task instances already in the state, removed ones, and ones
    /// the lifecycle does not let go there are left as they are. With <paramref name="dryRun"/> nothing is
    /// changed and the task instances that would be are returned.
    /// </summary>
    public async Task<IReadOnlyList<TaskInstanceRecord>> MarkAsync(
        TaskInstanceKey key,
        TaskInstanceState state,
        bool upstream,
        bool downstream,
        bool future,
        bool past,
        bool dryRun,
        Actor actor,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(actor);
        if (state is not (TaskInstanceState.Success or TaskInstanceState.Failed or TaskInstanceState.Skipped))
        {
            throw new ArgumentException($"A task instance is marked success, failed or skipped, not {state.ToWireName()}.", nameof(state));
        }

        _ = await taskInstances.GetAsync(key, cancellationToken)
            ?? throw new OperationException(OperationError.NotFound, $"Task instance {key.DagId}.{key.TaskId} of run {key.RunId} not found.");
        var run = await runs.GetAsync(key.DagId, key.RunId, cancellationToken)
            ?? throw new OperationException(OperationError.NotFound, $"DAG '{key.DagId}' has no run '{key.RunId}'.");

        // With future / past, the same tasks in the DAG's runs with later / earlier logical dates too (Airflow's rule).
        var marking = new List<DagRunRecord> { run };
        if (future || past)
        {
            var date = Storage.Database.Micros.To(run.LogicalDate);
            var others = await runs.QueryAsync(
                new DagRunQuery { DagIds = [key.DagId], LogicalDateGte = past ? null : date, LogicalDateLte = future ? null : date, Page = new() { Limit = int.MaxValue } },
                cancellationToken);
            marking.AddRange(others.Items.Where(r => r.Id != run.Id));
        }

        var selected = new List<TaskInstanceRecord>();
        foreach (var each in marking)
        {
            var (dag, _) = await dags.GetSerializedAsync(key.DagId, each.DagVersion, cancellationToken)
                ?? throw new OperationException(OperationError.NotFound, $"DAG '{key.DagId}' has no version {each.DagVersion}.");
            if (dag.Tasks.All(t => t.TaskId != key.TaskId))
            {
                continue;
            }

            var wanted = Closure(dag, [key.TaskId], downstream, upstream);
            selected.AddRange((await taskInstances.ListForRunAsync(key.DagId, each.RunId, cancellationToken))
                .Where(ti => wanted.Contains(ti.TaskId) && (ti.TaskId != key.TaskId || ti.MapIndex == key.MapIndex))
                .Where(ti => ti.State != state && ti.State != TaskInstanceState.Removed && TaskInstanceTransitions.IsAllowed(ti.State, state)));
        }

        if (dryRun || selected.Count == 0)
        {
            return selected;
        }

        await taskInstances.TransitionAsync([.. selected.Select(ti => new TaskInstanceChange(ti.Key, ti.State, state))], timeProvider.GetUtcNow(), cancellationToken);
        await events.AddAsync($"{actor.Via}_set_task_instance_state", actor.User, key.DagId, key.TaskId, key.RunId, $"{state.ToWireName()} ({selected.Count} task instance(s))", cancellationToken);
        var marked = new List<TaskInstanceRecord>();
        foreach (var ti in selected)
        {
            marked.Add(await taskInstances.GetAsync(ti.Key, cancellationToken) ?? ti);
        }

        return marked;
    }

    private static bool Matches(ClearRequest request, string taskId) =>
        (request.TaskIdPattern is null || request.TaskIdPattern.IsMatch(taskId)) && (request.TaskIds is null || request.TaskIds.Contains(taskId));

    /// <summary>
    /// What clearing takes (Airflow's <c>partial_subset</c> for a clear): the tasks plus, on request, everything
    /// downstream and/or upstream of them; the setups each runs under and their teardowns, so the work runs again in a
    /// set-up world that is torn down after; and, for a setup cleared without its downstream, its teardowns. Marking a
    /// state never adds setups or teardowns.
    /// </summary>
    private static HashSet<string> ExpandForClear(SerializedDag dag, IEnumerable<string> roots, bool downstream, bool upstream)
    {
        var result = Closure(dag, roots, downstream, upstream);
        foreach (var id in result.ToList())
        {
            var task = dag.GetTask(id);
            result.UnionWith(SetupsAndTeardowns(dag, task));
            if (task.IsSetup && !downstream)
            {
                result.UnionWith(task.DownstreamTaskIds.Where(d => dag.GetTask(d).IsTeardown));
            }
        }

        return result;
    }

    /// <summary>The tasks plus, on request, everything downstream and/or upstream of them.</summary>
    private static HashSet<string> Closure(SerializedDag dag, IEnumerable<string> roots, bool downstream, bool upstream)
    {
        var result = new HashSet<string>(roots, StringComparer.Ordinal);
        var pending = new Stack<string>(result);
        while (pending.TryPop(out var id))
        {
            var task = dag.GetTask(id);
            var next = (downstream ? task.DownstreamTaskIds : []).Concat(upstream ? task.UpstreamTaskIds : []);
            foreach (var n in next.Where(result.Add))
            {
                pending.Push(n);
            }
        }

        return result;
    }

    /// <summary>
    /// Airflow's <c>get_upstreams_only_setups_and_teardowns</c>: the setups upstream of <paramref name="task"/> that have
    /// no teardown or a teardown downstream of it (the setups in whose scope it runs), with those setups' teardowns.
    /// </summary>
    private static IEnumerable<string> SetupsAndTeardowns(SerializedDag dag, SerializedTask task)
    {
        var downstreamTeardowns = Closure(dag, [task.TaskId], downstream: true, upstream: false)
            .Where(id => id != task.TaskId && dag.GetTask(id).IsTeardown)
            .ToHashSet(StringComparer.Ordinal);
        foreach (var id in Closure(dag, [task.TaskId], downstream: false, upstream: true).Where(id => id != task.TaskId))
        {
            var setup = dag.GetTask(id);
            if (!setup.IsSetup)
            {
                continue;
            }

            var teardowns = setup.DownstreamTaskIds.Where(d => dag.GetTask(d).IsTeardown).ToList();
            if (teardowns.Count == 0 || teardowns.Any(downstreamTeardowns.Contains))
            {
                yield return id;
                foreach (var teardown in teardowns.Where(t => t != task.TaskId))
                {
                    yield return teardown;
                }
            }
        }
    }
}
