using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Updraft.Core.DagRuns;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Scheduling.Executors;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Scheduling;

/// <summary>
/// One scheduling pass at a time (<see cref="RunOnceAsync"/>): records ended tries, creates due runs, starts
/// queued runs, moves task instances by their trigger rules, finishes runs, and queues ready task instances on
/// the executor within the limits. Works only from serialized DAGs; never runs user code.
/// </summary>
public sealed class SchedulerEngine(MetadataDatabase database, IExecutor executor, SchedulerOptions options, TimeProvider timeProvider, ILogger<SchedulerEngine> logger)
{
    private readonly DagStore _dags = new(database);
    private readonly DagRunStore _runs = new(database);
    private readonly TaskInstanceStore _tasks = new(database);
    private readonly SerializedDagCache _serialized = new(new DagStore(database));
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;

    public async Task<SchedulingPass> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var lost = await HandleExecutorEventsAsync(now, cancellationToken) + await FailZombiesAsync(now, cancellationToken)
            + await FailStuckQueuedAsync(now, cancellationToken);
        var created = await CreateScheduledRunsAsync(now, cancellationToken);
        var started = await StartQueuedRunsAsync(now, cancellationToken);
        var (scheduled, finished) = await EvaluateRunningRunsAsync(now, cancellationToken);
        var queued = await QueueAsync(now, cancellationToken);
        return new SchedulingPass(created, started, finished, scheduled, queued, lost);
    }

    /// <summary>Creates a manual run, queued for the next pass; validates the conf against the DAG's params.</summary>
    public static async Task<DagRunRecord> TriggerAsync(
        MetadataDatabase database,
        string dagId,
        string? runId,
        DateTimeOffset? logicalDate,
        JsonObject? conf,
        DateTimeOffset now,
        CancellationToken cancellationToken = default)
    {
        var dags = new DagStore(database);
        var (dag, version) = await dags.GetSerializedAsync(dagId, null, cancellationToken) ?? throw new KeyNotFoundException($"DAG '{dagId}' not found.");
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

        var date = (logicalDate ?? now).ToUniversalTime();
        var id = runId ?? RunIds.Generate(DagRunType.Manual, date);
        if (!RunIds.IsValid(id))
        {
            throw new ArgumentException($"Run id '{id}' is not allowed: use letters, digits and _ . ~ : + - only.");
        }

        var interval = dag.Timetable.ToTimetable().InferManualDataInterval(date);
        var info = new Core.Timetables.DagRunInfo(date, interval);
        return await new DagRunStore(database).CreateAsync(dag, version, id, DagRunType.Manual, info, conf, DagRunState.Queued, now, cancellationToken);
    }

    private async Task<int> HandleExecutorEventsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lost = 0;
        while (executor.Events.TryRead(out var ended))
        {
            if (ended.Lost && await FailOrRetryAsync(ended.Key, ended.TryNumber, ["running", "queued"], now, cancellationToken))
            {
                SchedulerLog.TaskLost(logger, ended.Key, ended.TryNumber, ended.Reason);
                lost++;
            }
        }

        return lost;
    }

    private async Task<int> FailZombiesAsync(DateTimeOffset now, CancellationToken cancellationToken) => await FailLostAsync(
        await _tasks.StaleRunningAsync(now - options.ZombieThreshold, cancellationToken),
        "running",
        key => SchedulerLog.Zombie(logger, key, options.ZombieThreshold),
        now,
        cancellationToken);

    /// <summary>
    /// Tries queued for longer than <c>[scheduler] task_queued_timeout</c> never started (their executor went away
    /// with a stopped scheduler, or lost them): they fail, or retry when they may, as in Airflow.
    /// </summary>
    private async Task<int> FailStuckQueuedAsync(DateTimeOffset now, CancellationToken cancellationToken) => await FailLostAsync(
        await _tasks.StaleQueuedAsync(now - options.QueuedTimeout, cancellationToken),
        "queued",
        key => SchedulerLog.StuckQueued(logger, key, options.QueuedTimeout),
        now,
        cancellationToken);

    private async Task<int> FailLostAsync(IEnumerable<TaskInstanceRecord> lost, string state, Action<TaskInstanceKey> report, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var ti in lost)
        {
            if (await FailOrRetryAsync(ti.Key, ti.TryNumber, [state], now, cancellationToken))
            {
                report(ti.Key);
                count++;
            }
        }

        return count;
    }

    /// <summary>Ends a lost try as up_for_retry (when retries remain) or failed.</summary>
    private async Task<bool> FailOrRetryAsync(TaskInstanceKey key, int tryNumber, string[] from, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var run = await _runs.GetAsync(key.DagId, key.RunId, cancellationToken);
        var dag = run is null ? null : await _serialized.GetAsync(key.DagId, run.DagVersion, cancellationToken);
        var task = dag?.Tasks.FirstOrDefault(t => t.TaskId == key.TaskId);
        if (run is null || dag is null || task is null || !RetryPolicy.CanRetry(task, tryNumber))
        {
            return await _tasks.FinishAsync(key, tryNumber, "failed", now, null, from, cancellationToken);
        }

        var delay = RetryPolicy.NextRetryDelay(task, key.DagId, Micros.To(run.LogicalDate), tryNumber, options.MaxRetryDelay);
        return await _tasks.FinishAsync(key, tryNumber, "up_for_retry", now, now + delay, from, cancellationToken);
    }

    private async Task<int> CreateScheduledRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var due = await _dags.DueAsync(now, cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        var active = await _runs.ActiveCountsAsync(cancellationToken: cancellationToken);
        var created = 0;
        foreach (var record in due)
        {
            var dagActive = active.GetValueOrDefault(record.DagId);
            if (dagActive >= record.MaxActiveRuns || await _serialized.GetLatestAsync(record.DagId, cancellationToken) is not { } latest)
            {
                continue;
            }

            var (dag, version) = latest;
            var info = new Core.Timetables.DagRunInfo(
                Micros.To(record.NextDagrunCreateAfter!.Value),
                new Core.Timetables.DataInterval(Micros.To(record.NextDagrunDataIntervalStart!.Value), Micros.To(record.NextDagrunDataIntervalEnd!.Value)));
            try
            {
                var runId = RunIds.Generate(DagRunType.Scheduled, info.LogicalDate);
                await _runs.CreateAsync(dag, version, runId, DagRunType.Scheduled, info, null, DagRunState.Running, now, cancellationToken);
                created++;
                active[record.DagId] = dagActive + 1;
                SchedulerLog.RunCreated(logger, runId, record.DagId);
            }
            catch (DagRunExistsException)
            {
                // Another scheduler created it first.
            }

            var next = dag.Timetable.ToTimetable().NextDagRunInfo(info.DataInterval, dag.Restriction, now);
            await _dags.SetNextRunAsync(record.DagId, next, cancellationToken);
        }

        return created;
    }

    private async Task<int> StartQueuedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queued = await _runs.ListAsync(null, [DagRunState.Queued], 1000, cancellationToken);
        if (queued.Count == 0)
        {
            return 0;
        }

        var running = await _runs.ActiveCountsAsync(runningOnly: true, cancellationToken);
        var limits = await _dags.LimitsAsync([.. queued.Select(r => r.DagId)], cancellationToken);
        var started = 0;
        foreach (var run in queued.OrderBy(r => r.QueuedAt))
        {
            var count = running.GetValueOrDefault(run.DagId);
            if (count < (limits.TryGetValue(run.DagId, out var limit) ? limit.MaxActiveRuns : 16) && await _runs.TransitionAsync(run.Id, DagRunState.Queued, DagRunState.Running, now, cancellationToken))
            {
                running[run.DagId] = count + 1;
                started++;
            }
        }

        return started;
    }

    private async Task<(int Scheduled, int Finished)> EvaluateRunningRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Only runs that changed since they were last evaluated (a try ended, a retry came due, the run started).
        // Now and then every running run is looked at again, in case a pass failed after claiming some.
        await _tasks.FlagDueRetriesAsync(now, cancellationToken);
        if (now - _lastSweep > options.FullSweepInterval)
        {
            await _runs.FlagAllRunningAsync(cancellationToken);
            _lastSweep = now;
        }

        var running = (await _runs.ClaimForEvaluationAsync(options.MaxRunsPerPass, cancellationToken)).ToDictionary(r => (r.DagId, r.RunId));
        var byRun = (await _tasks.ListForRunsAsync(running.Keys, cancellationToken)).GroupBy(t => (t.DagId, t.RunId));
        var changes = new List<(TaskInstanceKey, string, string)>();
        var finished = new List<(DagRunRecord Run, DagRunState State)>();
        foreach (var group in byRun)
        {
            if (!running.TryGetValue(group.Key, out var run) || await _serialized.GetAsync(run.DagId, run.DagVersion, cancellationToken) is not { } dag)
            {
                continue;
            }

            var states = new Dictionary<string, TaskInstanceState>(StringComparer.Ordinal);
            var retryDue = new HashSet<string>(StringComparer.Ordinal);
            foreach (var ti in group)
            {
                var state = StateNames.TryParseTaskState(ti.State, out var parsed) ? parsed : TaskInstanceState.None;
                if (state == TaskInstanceState.UpForRetry && ti.NextRetryAt is { } retryAt && retryAt <= Micros.From(now))
                {
                    retryDue.Add(ti.TaskId);
                    state = TaskInstanceState.None;
                }

                states[ti.TaskId] = state;
            }

            var evaluation = DagRunEvaluator.Evaluate(dag, states);
            foreach (var (taskId, state) in evaluation.States.Where(s => s.Value != states[s.Key]))
            {
                changes.Add((new TaskInstanceKey(run.DagId, run.RunId, taskId), "none", state.ToWireName()));
            }

            foreach (var taskId in evaluation.Ready)
            {
                changes.Add((new TaskInstanceKey(run.DagId, run.RunId, taskId), retryDue.Contains(taskId) ? "up_for_retry" : "none", "scheduled"));
            }

            if (evaluation.RunState is { } final)
            {
                finished.Add((run, final));
            }
        }

        var applied = await _tasks.TransitionAsync(changes, now, cancellationToken);
        var finishedCount = 0;
        foreach (var (run, state) in finished)
        {
            if (await _runs.TransitionAsync(run.Id, DagRunState.Running, state, now, cancellationToken))
            {
                finishedCount++;
                SchedulerLog.RunFinished(logger, run.RunId, run.DagId, state);
            }
        }

        return (applied, finishedCount);
    }

    private async Task<int> QueueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var active = await _tasks.ActiveAsync(cancellationToken);
        var open = Math.Min(options.Parallelism - active.Count, executor.OpenSlots);
        if (open <= 0)
        {
            return 0;
        }

        var candidates = await _tasks.ScheduledAsync(options.MaxTisPerQuery, cancellationToken);
        if (candidates.Count == 0)
        {
            return 0;
        }

        var dagLimits = await _dags.LimitsAsync([.. candidates.Select(c => c.DagId)], cancellationToken);
        var pools = await new PoolStore(database).SlotsAsync(cancellationToken);
        var perDag = active.GroupBy(t => t.DagId).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var perPool = active.GroupBy(t => t.Pool).ToDictionary(g => g.Key, g => g.Sum(t => t.PoolSlots), StringComparer.Ordinal);
        var perTask = active.GroupBy(t => (t.DagId, t.TaskId)).ToDictionary(g => g.Key, g => g.Count());
        var selected = new List<TaskInstanceKey>();
        foreach (var ti in candidates)
        {
            if (selected.Count >= open)
            {
                break;
            }

            var dagCount = perDag.GetValueOrDefault(ti.DagId);
            var poolUsed = perPool.GetValueOrDefault(ti.Pool);
            var taskCount = perTask.GetValueOrDefault((ti.DagId, ti.TaskId));
            var taskLimit = (await _serialized.GetAsync(ti.DagId, ti.DagVersion, cancellationToken))?.Tasks.FirstOrDefault(t => t.TaskId == ti.TaskId)?.MaxActiveTisPerDag;
            if (dagCount >= (dagLimits.TryGetValue(ti.DagId, out var limits) ? limits.MaxActiveTasks : 16)
                || poolUsed + ti.PoolSlots > pools.GetValueOrDefault(ti.Pool, 0)
                || (taskLimit is { } limit && taskCount >= limit))
            {
                continue;
            }

            perDag[ti.DagId] = dagCount + 1;
            perPool[ti.Pool] = poolUsed + ti.PoolSlots;
            perTask[(ti.DagId, ti.TaskId)] = taskCount + 1;
            selected.Add(ti.Key);
        }

        var queued = await _tasks.QueueAsync(selected, executor.Name, now, cancellationToken);
        foreach (var ti in queued)
        {
            executor.Submit(ti);
        }

        return queued.Count;
    }
}
