using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Operations;

/// <summary>
/// Backfills as Airflow 3 has them, with the rules the CLI and the REST API share: a backfill creates the runs of a
/// DAG's schedule between two dates at once, queued, and the scheduler runs them under the backfill's own
/// <c>max_active_runs</c>, in order; it can be paused, unpaused and cancelled until it completes.
/// </summary>
public sealed class BackfillService(IDagStore dags, IDagRunStore runs, ITaskInstanceStore taskInstances, BackfillStore backfills, EventLogStore events, TimeProvider timeProvider)
{
    /// <summary>The most intervals one backfill may cover.</summary>
    public const int MaxIntervals = 10_000;

    /// <summary>The logical dates a backfill would make runs for now (new runs, and existing ones it would run again).</summary>
    public async Task<IReadOnlyList<DateTimeOffset>> DryRunAsync(BackfillRequest request, CancellationToken cancellationToken = default)
    {
        var plan = await PlanAsync(request, null, cancellationToken);
        return [.. plan.Items.Where(i => i.Skip is null).Select(i => i.Info.LogicalDate)];
    }

    /// <summary>
    /// Creates a backfill and its runs. Refused when the DAG is unknown (<see cref="OperationError.NotFound"/>), has a
    /// backfill that has not completed (<see cref="OperationError.Conflict"/>), or the request cannot be met: a
    /// non-periodic schedule, dates in the wrong order or all in the future, no ended interval between them, a conf
    /// that breaks the params (<see cref="OperationError.Invalid"/>).
    /// </summary>
    public async Task<BackfillCreated> CreateAsync(BackfillRequest request, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var plan = await PlanAsync(request, actor.User, cancellationToken);
        try
        {
            var created = await backfills.CreateAsync(plan, timeProvider.GetUtcNow(), cancellationToken);
            await events.AddAsync(
                $"{actor.Via}_create_backfill",
                actor.User,
                request.DagId,
                extra: $"backfill {created.Backfill.Id}: {Iso.Format(request.FromDate)} to {Iso.Format(request.ToDate)}, {created.Created} new run(s), {created.Reprocessed} run again",
                cancellationToken: cancellationToken);
            return created;
        }
        catch (BackfillActiveException e)
        {
            throw new OperationException(OperationError.Conflict, e.Message);
        }
    }

    public Task<Page<BackfillRecord>> ListAsync(IReadOnlyCollection<string>? dagIds, PageRequest page, CancellationToken cancellationToken = default) =>
        backfills.QueryAsync(dagIds, page, cancellationToken);

    public async Task<BackfillRecord> GetAsync(long id, CancellationToken cancellationToken = default) =>
        await backfills.GetAsync(id, cancellationToken) ?? throw NotFound(id);

    /// <summary>The intervals of a backfill in its order, each with its run or why it has none.</summary>
    public Task<IReadOnlyList<BackfillDagRun>> RunsAsync(long id, CancellationToken cancellationToken = default) => backfills.RunsAsync(id, cancellationToken);

    /// <summary>Pauses (the scheduler starts none of its queued runs) or unpauses a backfill; refused once it has completed.</summary>
    public async Task<BackfillRecord> SetPausedAsync(long id, bool paused, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var backfill = await GetAsync(id, cancellationToken);
        if (!await backfills.SetPausedAsync(id, paused, timeProvider.GetUtcNow(), cancellationToken))
        {
            throw Completed();
        }

        await events.AddAsync($"{actor.Via}_{(paused ? "pause" : "unpause")}_backfill", actor.User, backfill.DagId, extra: $"backfill {id}", cancellationToken: cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    /// <summary>Cancels a backfill: paused and completed at once, its queued runs fail, running ones finish. Refused once it has completed.</summary>
    public async Task<BackfillRecord> CancelAsync(long id, Actor actor, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(actor);
        var backfill = await GetAsync(id, cancellationToken);
        if (!await backfills.CancelAsync(id, timeProvider.GetUtcNow(), cancellationToken))
        {
            throw Completed();
        }

        await events.AddAsync($"{actor.Via}_cancel_backfill", actor.User, backfill.DagId, extra: $"backfill {id}", cancellationToken: cancellationToken);
        return await GetAsync(id, cancellationToken);
    }

    private static OperationException NotFound(long id) => new(OperationError.NotFound, $"Could not find backfill with id {id}");

    private static OperationException Completed() => new(OperationError.Conflict, "Backfill is already completed.");

    private async Task<BackfillPlan> PlanAsync(BackfillRequest request, string? user, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (await dags.GetAsync(request.DagId, cancellationToken) is not { IsActive: true })
        {
            throw OperationException.DagNotFound(request.DagId);
        }

        var (dag, version) = await dags.GetSerializedAsync(request.DagId, null, cancellationToken) ?? throw OperationException.DagNotFound(request.DagId);
        var timetable = dag.Timetable.ToTimetable();
        if (!timetable.Periodic)
        {
            throw Invalid($"DAG '{request.DagId}' has a non-periodic schedule ({dag.TimetableSummary}) that does not support backfills.");
        }

        if (request.FromDate > request.ToDate)
        {
            throw Invalid($"from_date ({Iso.Format(request.FromDate)}) must not be after to_date ({Iso.Format(request.ToDate)}).");
        }

        var now = timeProvider.GetUtcNow();
        if (request.FromDate >= now && request.ToDate >= now)
        {
            throw Invalid("Backfill cannot be executed for future dates.");
        }

        if (request.MaxActiveRuns < 1)
        {
            throw Invalid($"max_active_runs must be 1 or more, found {request.MaxActiveRuns}.");
        }

        try
        {
            DagRunService.ValidateConf(dag, request.DagRunConf);
        }
        catch (Core.Dags.ParamValidationException e)
        {
            throw Invalid(e.Message);
        }

        var infos = Intervals(timetable, request.FromDate, request.ToDate, now);
        if (infos.Count == 0)
        {
            throw Invalid($"DAG '{request.DagId}' has no ended interval with a logical date between {Iso.Format(request.FromDate)} and {Iso.Format(request.ToDate)} (its schedule is {dag.TimetableSummary}): no runs to create.");
        }

        if (request.RunBackwards)
        {
            infos.Reverse();
        }

        // The latest run at each logical date (by start date, runs not yet started last), as Airflow picks it.
        var existing = (await runs.QueryAsync(
                new DagRunQuery { DagIds = [request.DagId], LogicalDateGte = request.FromDate, LogicalDateLte = request.ToDate, Page = new() { Limit = int.MaxValue } },
                cancellationToken)).Items
            .GroupBy(r => r.LogicalDate)
            .ToDictionary(g => g.Key, g => g.OrderBy(r => r.StartDate is null).ThenByDescending(r => r.StartDate).First());
        var items = new List<BackfillPlanItem>();
        foreach (var info in infos)
        {
            var item = new BackfillPlanItem(info, RunIds.Generate(DagRunType.Backfill, info.LogicalDate));
            if (existing.TryGetValue(Micros.From(info.LogicalDate), out var run))
            {
                item = SkipReason(run.State, request.ReprocessBehavior) is { } reason
                    ? item with { Skip = reason }
                    : item with { Reprocess = (run.Id, await ToClearAsync(run, cancellationToken)) };
            }

            items.Add(item);
        }

        return new BackfillPlan(dag, version, request.FromDate, request.ToDate, request.DagRunConf, request.ReprocessBehavior, request.MaxActiveRuns, request.RunBackwards, user, items);
    }

    /// <summary>Airflow's rule: a queued or running run is left alone; a finished one is run again as the behaviour says.</summary>
    private static string? SkipReason(DagRunState state, ReprocessBehavior behavior) => state switch
    {
        not (DagRunState.Success or DagRunState.Failed) => BackfillExceptionReason.InFlight,
        _ when behavior == ReprocessBehavior.None => BackfillExceptionReason.AlreadyExists,
        DagRunState.Success when behavior == ReprocessBehavior.Failed => BackfillExceptionReason.AlreadyExists,
        _ => null,
    };

    private async Task<IReadOnlyList<(TaskInstanceKey Key, int Retries)>> ToClearAsync(DagRunRecord run, CancellationToken cancellationToken)
    {
        var dag = (await dags.GetSerializedAsync(run.DagId, run.DagVersion, cancellationToken))?.Dag;
        return [.. (await taskInstances.ListForRunAsync(run.DagId, run.RunId, cancellationToken))
            .Where(ti => ti.State != TaskInstanceState.Removed)
            .Select(ti => (ti.Key, dag?.Tasks.FirstOrDefault(t => t.TaskId == ti.TaskId)?.Retries ?? 0))];
    }

    /// <summary>The intervals of the schedule with a logical date between the dates, as catchup would create them, that have ended by now.</summary>
    private static List<DagRunInfo> Intervals(Timetable timetable, DateTimeOffset from, DateTimeOffset to, DateTimeOffset now)
    {
        var restriction = new TimeRestriction(from, to, Catchup: true);
        var infos = new List<DagRunInfo>();
        DataInterval? last = null;
        while (timetable.NextDagRunInfo(last, restriction, to) is { } info && info.LogicalDate <= to)
        {
            if (info.DataInterval.End >= now)
            {
                // This interval has not ended, and every later one ends later still.
                break;
            }

            if (infos.Count == MaxIntervals)
            {
                throw Invalid($"The backfill covers more than {MaxIntervals:N0} intervals; split it into shorter ranges.");
            }

            infos.Add(info);
            last = info.DataInterval;
        }

        return infos;
    }

    private static OperationException Invalid(string message) => new(OperationError.Invalid, message);
}
