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
/// <remarks>
/// Several executors can run side by side (<c>[core] executor = LocalExecutor,SequentialExecutor</c>): the first is
/// the default, and a task whose <c>executor</c> field names another is queued on that one.
/// </remarks>
public sealed class SchedulerEngine(MetadataDatabase database, IReadOnlyList<IExecutor> executors, SchedulerOptions options, TimeProvider timeProvider, ILogger<SchedulerEngine> logger)
{
    public SchedulerEngine(MetadataDatabase database, IExecutor executor, SchedulerOptions options, TimeProvider timeProvider, ILogger<SchedulerEngine> logger)
        : this(database, [executor], options, timeProvider, logger)
    {
    }

    private readonly IExecutor _default = executors.Count > 0 ? executors[0] : throw new ArgumentException("A scheduler needs at least one executor.", nameof(executors));
    private readonly Dictionary<string, IExecutor> _byName = executors.ToDictionary(e => e.Name, StringComparer.Ordinal);
    private readonly HashSet<(string DagId, string TaskId)> _warnedUnknownExecutor = [];

    private readonly DagStore _dags = new(database);
    private readonly DagRunStore _runs = new(database);
    private readonly TaskInstanceStore _tasks = new(database);
    private readonly AdmissionStore _admission = new(database);
    private readonly BackfillStore _backfills = new(database);
    private FailedTryOutcome? _failedOutcome;
    private const string EmptyOperatorName = nameof(Core.Dags.EmptyOperator);
    private readonly SerializedDagCache _serialized = new(new DagStore(database));
    private DateTimeOffset _lastSweep = DateTimeOffset.MinValue;
    private static readonly TimeSpan TimedCheckInterval = TimeSpan.FromSeconds(1);
    private DateTimeOffset _lastTimedChecks = DateTimeOffset.MinValue;
    private DateTimeOffset _nextRetryDue = DateTimeOffset.MaxValue;
    private readonly JobStore _jobs = new(database);
    private readonly CallbackRequestStore _callbacks = new(database);
    private readonly TriggerStore _triggers = new(database);
    private readonly AssetStore _assets = new(database);
    private TaskCompletionSource _passRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when something in this process asked for a pass before the poll interval (a triggerer resumed tasks).</summary>
    public Task PassRequested => _passRequested.Task;

    /// <summary>Asks for a scheduling pass now instead of at the next poll (the triggerer of the same process resumed tasks).</summary>
    public void RequestPass() => _passRequested.TrySetResult();

    /// <summary>
    /// Asks for a pass whenever another process says there is work (a triggerer resumed tasks, an asset event queued a
    /// DAG), until cancelled: through <c>LISTEN</c> on PostgreSQL, a watch of the database's wake file on SQLite;
    /// nothing to do on MySQL. Listens again after a lost connection or watch, waiting longer after each quick failure
    /// (1 s doubling to 30 s) so a watch the system refuses does not fill the log; the poll interval applies meanwhile.
    /// </summary>
    public async Task ListenForWorkAsync(CancellationToken cancellationToken)
    {
        var retry = TimeSpan.FromSeconds(1);
        while (!cancellationToken.IsCancellationRequested && database.SchedulersCanListen)
        {
            var started = timeProvider.GetUtcNow();
            try
            {
                await database.ListenForSchedulersAsync(RequestPass, cancellationToken);
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested)
            {
                SchedulerLog.ListenFailed(logger, e);
                retry = timeProvider.GetUtcNow() - started > TimeSpan.FromMinutes(1) ? TimeSpan.FromSeconds(1) : retry;
                await Task.Delay(retry, timeProvider, cancellationToken);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, TimeSpan.FromSeconds(30).Ticks));
            }
        }
    }

    private DateTimeOffset _lastJobHeartbeat;
    private DateTimeOffset _lastOrphanCheck;

    /// <summary>The job-table id of this scheduler once <see cref="StartJobAsync"/> has run; the tries it queues carry it.</summary>
    public long? JobId { get; private set; }

    public const string JobType = "SchedulerJob";

    /// <summary>
    /// Records this scheduler in the <c>job</c> table and, at once, resets what dead schedulers left behind
    /// (<see cref="ResetOrphansAsync"/>). A service calls it before its first pass, and <see cref="EndJobAsync"/> when it stops.
    /// </summary>
    public async Task StartJobAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        JobId = await _jobs.StartAsync(JobType, System.Net.Dns.GetHostName(), Environment.ProcessId, now, cancellationToken);
        _lastJobHeartbeat = now;
        await ResetOrphansAsync(now, cancellationToken);
    }

    /// <summary>Ends this scheduler's job row: the tries it leaves are anyone's to reset at once.</summary>
    public async Task EndJobAsync(CancellationToken cancellationToken = default)
    {
        if (JobId is { } id)
        {
            await _jobs.EndAsync(id, "success", timeProvider.GetUtcNow(), cancellationToken);
        }
    }

    /// <summary>
    /// Finds schedulers that are dead — on this host with no such process, or silent for
    /// <c>scheduler_health_check_threshold</c> — and ends their jobs; then the queued, running and restarting task
    /// instances of every ended job are reset: a queued one is queued again (it never started, the try does not
    /// count), a running one fails or retries as a lost try (its worker went with its scheduler), a restarting one
    /// runs again. Returns how many were reset.
    /// </summary>
    public async Task<int> ResetOrphansAsync(DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        _lastOrphanCheck = now;
        var host = System.Net.Dns.GetHostName();
        foreach (var (id, hostname, pid, heartbeat) in await _jobs.RunningAsync(JobType, JobId ?? 0, cancellationToken))
        {
            var gone = hostname == host && !ProcessExists(pid);
            if (gone || heartbeat < now - options.HealthCheckThreshold)
            {
                await _jobs.EndAsync(id, "failed", now, cancellationToken);
                SchedulerLog.DeadScheduler(logger, id, hostname, pid, gone ? "its process is gone" : $"no heartbeat since {heartbeat:O}");
            }
        }

        var reset = 0;
        foreach (var ti in await _jobs.OrphanedTaskInstancesAsync(cancellationToken))
        {
            var done = ti.State switch
            {
                TaskInstanceState.Queued => await _tasks.RequeueAsync(ti.Key, ti.TryNumber, cancellationToken),
                TaskInstanceState.Running => await FailOrRetryAsync(ti.Key, ti.TryNumber, [TaskInstanceState.Running], now, cancellationToken),
                _ => await _tasks.ResetRestartingAsync(ti.Key, ti.TryNumber, now, cancellationToken),
            };
            if (done)
            {
                SchedulerLog.OrphanReset(logger, ti.Key, ti.TryNumber, ti.State.ToWireName());
                reset++;
            }
        }

        return reset;
    }

    private static bool ProcessExists(int pid)
    {
        if (Directory.Exists("/proc/self"))
        {
            return Directory.Exists($"/proc/{pid}");
        }

        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private async Task<int> JobDutiesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (JobId is not { } id)
        {
            return 0;
        }

        if (now - _lastJobHeartbeat >= options.JobHeartbeat)
        {
            _lastJobHeartbeat = now;
            if (!await _jobs.HeartbeatAsync(id, now, cancellationToken))
            {
                // Another scheduler took this one for dead (a long pause) and reset its tries; carry on as a new job.
                SchedulerLog.JobDeclaredDead(logger, id);
                JobId = await _jobs.StartAsync(JobType, System.Net.Dns.GetHostName(), Environment.ProcessId, now, cancellationToken);
            }
        }

        return now - _lastOrphanCheck >= options.OrphanCheckInterval ? await ResetOrphansAsync(now, cancellationToken) : 0;
    }

    public async Task<SchedulingPass> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        if (_passRequested.Task.IsCompleted)
        {
            _passRequested = new(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        var now = timeProvider.GetUtcNow();
        var lost = await HandleExecutorEventsAsync(now, cancellationToken);
        var timed = now - _lastTimedChecks >= TimedCheckInterval;
        if (timed)
        {
            // Checks that depend on time passing, not on what just happened: once a second is soon enough, and keeps
            // their queries out of the passes that a busy executor's events start many times a second.
            _lastTimedChecks = now;
            lost += await FailZombiesAsync(now, cancellationToken) + await FailStuckQueuedAsync(now, cancellationToken);
            await TerminateRestartingAsync(cancellationToken);
            await _backfills.CompleteFinishedAsync(now, cancellationToken);
            await CheckDeadlinesAsync(now, cancellationToken);

            // A deferral past its timeout resumes into a failure (its retries apply), whether or not a triggerer runs.
            await _triggers.TimeOutAsync(now, cancellationToken);
        }

        lost += await JobDutiesAsync(now, cancellationToken);

        var created = await CreateScheduledRunsAsync(now, cancellationToken) + await CreateAssetTriggeredRunsAsync(now, cancellationToken);
        var started = await StartQueuedRunsAsync(now, cancellationToken);
        if (timed || _nextRetryDue <= now)
        {
            _nextRetryDue = DateTimeOffset.MaxValue;
            await _tasks.FlagDueRetriesAsync(now, cancellationToken);
        }

        var (scheduled, finished) = await EvaluateRunningRunsAsync(now, cancellationToken);
        var queued = await QueueAsync(timeProvider.GetUtcNow(), cancellationToken);
        return new SchedulingPass(created, started, finished, scheduled, queued, lost);
    }

    /// <summary>
    /// Asks for the deadline callback of each unfinished run past its DAG's deadline (Airflow 3's deadline alerts):
    /// once per run, recorded with the run so no other scheduler asks again; the run goes on untouched.
    /// </summary>
    private async Task CheckDeadlinesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var withDeadlines = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (dagId, version) in await _runs.UnfinishedDagVersionsAsync(cancellationToken))
        {
            if ((await _serialized.GetAsync(dagId, version, cancellationToken))?.Deadline is not null)
            {
                withDeadlines.Add(dagId);
            }
        }

        foreach (var dagId in withDeadlines)
        {
            foreach (var run in await _runs.UnfinishedWithoutMissedDeadlineAsync(dagId, cancellationToken))
            {
                // The deadline of the run's own DAG version.
                if ((await _serialized.GetAsync(dagId, run.DagVersion, cancellationToken))?.Deadline is not { } deadline)
                {
                    continue;
                }

                var due = deadline.DeadlineFor(Micros.To(run.QueuedAt), Micros.To(run.LogicalDate));
                if (due < now && await _runs.MissDeadlineAsync(run.Id, $"deadline {deadline.Describe()} = {Iso.Format(due)} missed", now, cancellationToken))
                {
                    SchedulerLog.DeadlineMissed(logger, run.RunId, run.DagId, deadline.Describe(), due);
                }
            }
        }
    }

    private async Task<int> HandleExecutorEventsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lost = 0;
        foreach (var executor in executors)
        {
            lost += await HandleEventsAsync(executor, now, cancellationToken);
        }

        return lost;
    }

    private async Task<int> HandleEventsAsync(IExecutor executor, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var lost = 0;
        while (executor.Events.TryRead(out var ended))
        {
            if (ended.Lost && await _tasks.RequeueAsync(ended.Key, ended.TryNumber, cancellationToken))
            {
                // Lost before it started: it never ran, so it does not use up one of the task's tries.
                SchedulerLog.TaskRequeued(logger, ended.Key, ended.TryNumber, ended.Reason);
                lost++;
            }
            else if (ended.Lost && await FailOrRetryAsync(ended.Key, ended.TryNumber, [TaskInstanceState.Running], now, cancellationToken))
            {
                SchedulerLog.TaskLost(logger, ended.Key, ended.TryNumber, ended.Reason);
                lost++;
            }
            else if (!ended.Recorded)
            {
                // A try that ended without a state because its task instance was cleared meanwhile (it never started,
                // stopped on losing its row, or was terminated): run it again.
                await _tasks.ResetRestartingAsync(ended.Key, ended.TryNumber, now, cancellationToken);
            }
        }

        return lost;
    }

    private async Task<int> FailZombiesAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var ti in await _tasks.StaleRunningAsync(now - options.ZombieThreshold, cancellationToken))
        {
            if (ti.State == TaskInstanceState.Restarting)
            {
                // Cleared while it ran and its try has gone quiet: it runs again.
                await _tasks.ResetRestartingAsync(ti.Key, ti.TryNumber, now, cancellationToken);
            }
            else if (await FailOrRetryAsync(ti.Key, ti.TryNumber, [TaskInstanceState.Running], now, cancellationToken))
            {
                SchedulerLog.Zombie(logger, ti.Key, options.ZombieThreshold);
                count++;
            }
        }

        return count;
    }

    /// <summary>
    /// Tries queued for longer than <c>[scheduler] task_queued_timeout</c> never started (their executor went away
    /// with a stopped scheduler, or lost them): they fail, or retry when they may, as in Airflow.
    /// </summary>
    private async Task<int> FailStuckQueuedAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var count = 0;
        foreach (var ti in await _tasks.StaleQueuedAsync(now - options.QueuedTimeout, cancellationToken))
        {
            if (await FailOrRetryAsync(ti.Key, ti.TryNumber, [TaskInstanceState.Queued], now, cancellationToken))
            {
                SchedulerLog.StuckQueued(logger, ti.Key, options.QueuedTimeout);
                count++;
            }
        }

        return count;
    }

    /// <summary>Ends a lost try as up_for_retry (when retries remain) or failed; false when the row is no longer that try.</summary>
    private async Task<bool> FailOrRetryAsync(TaskInstanceKey key, int tryNumber, TaskInstanceState[] from, DateTimeOffset now, CancellationToken cancellationToken)
    {
        _failedOutcome ??= new FailedTryOutcome(_runs, _serialized, options.MaxRetryDelay);
        var (state, retryAt) = await _failedOutcome.DecideAsync(key, tryNumber, now, cancellationToken);
        return await _tasks.FinishAsync(key, tryNumber, state, now, retryAt, from, cancellationToken);
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

    /// <summary>
    /// Creates a queued asset-triggered run of each DAG whose asset condition holds over the assets updated since it
    /// last ran on them (Airflow 3's <c>_create_dag_runs_asset_triggered</c>): unpaused DAGs below their
    /// <c>max_active_runs</c>; the others keep their queue until they can run.
    /// </summary>
    private async Task<int> CreateAssetTriggeredRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queued = await _assets.QueuedAsync(cancellationToken);
        if (queued.Count == 0)
        {
            return 0;
        }

        var active = await _runs.ActiveCountsAsync(cancellationToken: cancellationToken);
        var created = 0;
        foreach (var queue in queued)
        {
            if (await _dags.GetAsync(queue.DagId, cancellationToken) is not { } record || record.IsPaused || !record.IsActive
                || active.GetValueOrDefault(queue.DagId) >= record.MaxActiveRuns
                || await _serialized.GetLatestAsync(queue.DagId, cancellationToken) is not { } latest)
            {
                continue;
            }

            var (dag, version) = latest;
            if (dag.AssetExpression is not { } expression)
            {
                // No longer scheduled on assets: nothing will consume its queue.
                await _assets.DequeueAsync(queue.DagId, cancellationToken);
                continue;
            }

            var condition = Core.Assets.AssetCondition.FromExpression(expression);
            if (!condition.Evaluate(a => queue.AssetNames.Contains(a.Name), a => queue.AliasNames.Contains(a.Name)))
            {
                continue;
            }

            // Decided again on the queue as read under lock: another scheduler may have consumed it meanwhile.
            if (await _assets.CreateTriggeredRunAsync(dag, version, (names, aliases) => condition.Evaluate(a => names.Contains(a.Name), a => aliases.Contains(a.Name)), now, cancellationToken) is { } run)
            {
                created++;
                active[queue.DagId] = active.GetValueOrDefault(queue.DagId) + 1;
                SchedulerLog.RunCreated(logger, run.RunId, queue.DagId);
            }
        }

        return created;
    }

    /// <summary>
    /// Starts queued runs in Airflow's order and within its limits: only runs of unpaused DAGs and unpaused backfills;
    /// runs of no backfill first, counted against the DAG's <c>max_active_runs</c>; then backfill runs in their
    /// backfill's order, counted against the backfill's own <c>max_active_runs</c>.
    /// </summary>
    private async Task<int> StartQueuedRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var queued = await _runs.StartableQueuedAsync(1000, cancellationToken);
        if (queued.Count == 0)
        {
            return 0;
        }

        var limits = await _dags.LimitsAsync([.. queued.Select(r => r.DagId)], cancellationToken);
        var backfillLimits = await _backfills.MaxActiveRunsAsync([.. queued.Where(r => r.BackfillId is not null).Select(r => r.BackfillId!.Value)], cancellationToken);
        var started = (await _runs.StartQueuedAsync(
            queued,
            run => run.BackfillId is { } backfill
                ? backfillLimits.GetValueOrDefault(backfill, 0)
                : limits.TryGetValue(run.DagId, out var dagLimit) ? dagLimit.MaxActiveRuns : 16,
            now,
            cancellationToken)).Count;
        return started;
    }

    private async Task<(int Scheduled, int Finished)> EvaluateRunningRunsAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        // Only runs that changed since they were last evaluated (a try ended, a retry came due, the run started).
        // Now and then every running run is looked at again, in case a pass failed after claiming some.
        if (now - _lastSweep > options.FullSweepInterval)
        {
            await _runs.FlagAllRunningAsync(cancellationToken);
            _lastSweep = now;
        }

        var running = (await _runs.ClaimForEvaluationAsync(options.MaxRunsPerPass, cancellationToken)).ToDictionary(r => (r.DagId, r.RunId));
        var byRun = (await _tasks.StatesForRunsAsync(running.Keys, cancellationToken)).GroupBy(t => (t.DagId, t.RunId));
        var changes = new List<TaskInstanceChange>();
        var expanded = 0;
        var finished = new List<(DagRunRecord Run, DagRunState State, bool Callback)>();
        foreach (var group in byRun)
        {
            if (!running.TryGetValue(group.Key, out var run) || await _serialized.GetAsync(run.DagId, run.DagVersion, cancellationToken) is not { } dag)
            {
                continue;
            }

            var stored = group.ToDictionary(t => new TaskInstanceId(t.TaskId, t.MapIndex), t => t.State);
            var states = new Dictionary<TaskInstanceId, TaskInstanceState>();
            foreach (var ti in group)
            {
                // A retry (or a sensor's next poke) that has come due is, for the trigger rules, a task that has not run yet.
                var waiting = ti.State is TaskInstanceState.UpForRetry or TaskInstanceState.UpForReschedule;
                var retryDue = waiting && ti.NextRetryAt is { } retryAt && retryAt <= Micros.From(now);
                if (waiting && !retryDue && ti.NextRetryAt is { } later && Micros.To(later) < _nextRetryDue)
                {
                    // Its run is flagged again when the retry comes due, without waiting for the timed checks.
                    _nextRetryDue = Micros.To(later);
                }

                states[new TaskInstanceId(ti.TaskId, ti.MapIndex)] = retryDue ? TaskInstanceState.None : ti.State;
            }

            var evaluation = DagRunEvaluator.Evaluate(dag, states);
            foreach (var (id, state) in evaluation.States.Where(s => s.Value != states[s.Key]))
            {
                AddChange(changes, new TaskInstanceChange(new TaskInstanceKey(run.DagId, run.RunId, id.TaskId, id.MapIndex), stored[id], state));
            }

            foreach (var id in evaluation.Ready)
            {
                // An empty task has nothing to run: it succeeds here, without a worker, as in Airflow.
                var ready = dag.GetTask(id.TaskId).Operator == EmptyOperatorName ? TaskInstanceState.Success : TaskInstanceState.Scheduled;
                AddChange(changes, new TaskInstanceChange(new TaskInstanceKey(run.DagId, run.RunId, id.TaskId, id.MapIndex), stored[id], ready));
            }

            foreach (var taskId in evaluation.ToExpand)
            {
                expanded += await ExpandAsync(run, dag, dag.GetTask(taskId), now, cancellationToken);
            }

            if (evaluation.RunState is { } final)
            {
                finished.Add((run, final, final == DagRunState.Success ? dag.HasOnSuccessCallback : dag.HasOnFailureCallback));
            }
        }

        var applied = await _tasks.TransitionAsync(changes, now, cancellationToken);
        var finishedCount = 0;
        foreach (var (run, state, callback) in finished)
        {
            if (await _runs.TransitionAsync(run.Id, DagRunState.Running, state, now, unlessFlagged: true, cancellationToken))
            {
                finishedCount++;
                SchedulerLog.RunFinished(logger, run.RunId, run.DagId, state);
                if (callback)
                {
                    // The DAG processor has the DAG's code and runs its callback (Airflow's DagCallbackRequest).
                    await _callbacks.AddAsync(
                        run.DagId,
                        run.RunId,
                        state == DagRunState.Success ? "on_success_callback" : "on_failure_callback",
                        state == DagRunState.Success ? "success" : "task_failure",
                        now,
                        cancellationToken);
                }
            }
        }

        return (applied + expanded, finishedCount);
    }

    /// <summary>
    /// Expands a mapped task whose trigger rule is met: counts its input (literal lengths, the length of an upstream
    /// list, or an upstream mapped task's collected results) and creates that many scheduled instances; an empty input
    /// skips it, one that cannot be expanded (no list, past <c>max_map_length</c>) fails it. Returns the instances made.
    /// </summary>
    private async Task<int> ExpandAsync(DagRunRecord run, SerializedDag dag, SerializedTask task, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var xcom = new DatabaseXComStore(database, timeProvider);
        var (count, error) = await MapExpansion.CountAsync(task, async input =>
        {
            var producer = input.TaskId!;
            return (await _serialized.GetAsync(run.DagId, run.DagVersion, cancellationToken))?.GetTask(producer).IsMapped == true
                ? await xcom.CountMappedAsync(run.DagId, run.RunId, producer, cancellationToken)
                : MapExpansion.JsonListLength(await xcom.GetAsync(new XComKey(run.DagId, run.RunId, producer, -1, XComKey.ReturnValue), cancellationToken));
        });
        var key = new TaskInstanceKey(run.DagId, run.RunId, task.TaskId);
        if (error is not null)
        {
            SchedulerLog.ExpansionFailed(logger, key, error);
        }

        var endState = error is null ? TaskInstanceState.Skipped : TaskInstanceState.Failed;
        var schedule = MapExpansion.StartsOnExpansion(dag, task);
        return await _tasks.ExpandAsync(run.DagId, run.RunId, task.TaskId, error is null ? count : 0, endState, now, schedule, cancellationToken) ? Math.Max(count, 1) : 0;
    }

    /// <summary>A change the evaluation asks for, if the lifecycle allows it from the row's stored state.</summary>
    private static void AddChange(List<TaskInstanceChange> changes, TaskInstanceChange change)
    {
        if (TaskInstanceTransitions.IsAllowed(change.From, change.To))
        {
            changes.Add(change);
        }
    }

    private async Task<int> QueueAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var open = executors.ToDictionary(e => e.Name, e => e.OpenSlots, StringComparer.Ordinal);
        var total = open.Values.Sum(o => Math.Max(o, 0));
        if (total <= 0)
        {
            return 0;
        }

        var queued = await _admission.AdmitAsync(
            options.MaxTisPerQuery,
            snapshot => SelectAsync(snapshot, Math.Min(total, options.Parallelism - snapshot.ActiveTotal), open, cancellationToken),
            now,
            JobId,
            total,
            options.Parallelism,
            cancellationToken);
        foreach (var batch in queued.GroupBy(ti => ti.Executor ?? _default.Name, StringComparer.Ordinal))
        {
            await _byName[batch.Key].SubmitAsync([.. batch], cancellationToken);
        }

        return queued.Count;
    }

    /// <summary>
    /// Tries of task instances cleared while they ran (restarting) are stopped by their executor at once, rather
    /// than when their next heartbeat finds they lost their row.
    /// </summary>
    private async Task TerminateRestartingAsync(CancellationToken cancellationToken)
    {
        foreach (var ti in await _tasks.ListInStateAsync(TaskInstanceState.Restarting, cancellationToken))
        {
            if (_byName.TryGetValue(ti.Executor ?? _default.Name, out var executor))
            {
                await executor.TerminateAsync(ti.Key, ti.TryNumber, cancellationToken);
            }
        }
    }

    /// <summary>The executor a candidate runs on: the one its task names, else the default; null (and a warning) when its task names one that is not configured.</summary>
    private IExecutor? ExecutorFor(AdmissionCandidate candidate)
    {
        if (candidate.Executor is null)
        {
            return _default;
        }

        if (_byName.TryGetValue(candidate.Executor, out var executor))
        {
            return executor;
        }

        if (_warnedUnknownExecutor.Add((candidate.DagId, candidate.TaskId)))
        {
            SchedulerLog.UnknownExecutor(logger, candidate.DagId, candidate.TaskId, candidate.Executor, string.Join(",", _byName.Keys));
        }

        return null;
    }

    /// <summary>
    /// Picks candidates in priority order within <paramref name="open"/> slots, each DAG's max active tasks, each task's
    /// max active instances and pool slots. Runs under the admission lock, on counts read under it.
    /// </summary>
    private async ValueTask<IReadOnlyList<(TaskInstanceKey Key, string Executor)>> SelectAsync(
        AdmissionSnapshot snapshot,
        int open,
        Dictionary<string, int> openPerExecutor,
        CancellationToken cancellationToken)
    {
        var executorOpen = new Dictionary<string, int>(openPerExecutor, StringComparer.Ordinal);
        var perDag = new Dictionary<string, int>(snapshot.ActivePerDag, StringComparer.Ordinal);
        var perPool = new Dictionary<string, int>(snapshot.PoolSlotsUsed, StringComparer.Ordinal);
        var perTask = new Dictionary<(string, string), int>(snapshot.ActivePerTask);
        var selected = new List<(TaskInstanceKey Key, string Executor)>();
        foreach (var ti in snapshot.Candidates)
        {
            if (selected.Count >= open)
            {
                break;
            }

            if (ExecutorFor(ti) is not { } executor || executorOpen[executor.Name] <= 0)
            {
                continue;
            }

            var dagCount = perDag.GetValueOrDefault(ti.DagId);
            var poolUsed = perPool.GetValueOrDefault(ti.Pool);
            var taskCount = perTask.GetValueOrDefault((ti.DagId, ti.TaskId));
            var taskLimit = (await _serialized.GetAsync(ti.DagId, ti.DagVersion, cancellationToken))?.Tasks.FirstOrDefault(t => t.TaskId == ti.TaskId)?.MaxActiveTisPerDag;
            if (dagCount >= ti.DagMaxActiveTasks
                || poolUsed + ti.PoolSlots > snapshot.PoolSlots.GetValueOrDefault(ti.Pool, 0)
                || (taskLimit is { } limit && taskCount >= limit))
            {
                continue;
            }

            perDag[ti.DagId] = dagCount + 1;
            perPool[ti.Pool] = poolUsed + ti.PoolSlots;
            perTask[(ti.DagId, ti.TaskId)] = taskCount + 1;
            executorOpen[executor.Name]--;
            selected.Add((ti.Key, executor.Name));
        }

        return selected;
    }
}
