using System.Globalization;
using System.Text.Json.Nodes;
using Updraft.Core.DagRuns;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.TriggerRules;
using Updraft.Execution.Tasks;

namespace Updraft.Execution.Testing;

/// <summary>
/// Runs a whole DAG run in this process, without a database: tasks run one at a time in dependency order,
/// with trigger rules, retries and XCom, through the same <see cref="TaskRunner"/> executors use.
/// </summary>
public sealed class DagTester(DagTestOptions options)
{
    private readonly TaskRunner _runner = new(options.TimeProvider);
    private readonly TestHumans _humans = new(options.HumanAnswers);

    public async Task<DagTestResult> RunAsync(Dag dag, DateTimeOffset? logicalDate = null, JsonObject? conf = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var serialized = DagSerializer.Serialize(dag, options.Defaults);
        var run = NewRun(dag, serialized, logicalDate, conf);
        var sink = options.Log ?? new TextTaskLogSink(Console.Out);
        var log = new TaskLogger(sink, options.TimeProvider, "dag_test");
        var secrets = EnvironmentSecrets.FromProcess();
        var xcom = new InMemoryXComStore();
        var states = serialized.Tasks.ToDictionary(t => new TaskInstanceId(t.TaskId), _ => TaskInstanceState.None);
        var tries = serialized.Tasks.ToDictionary(t => new TaskInstanceId(t.TaskId), _ => 0);
        var rescheduled = new Dictionary<TaskInstanceId, (DateTimeOffset Due, DateTimeOffset FirstPoke, int Count)>();
        var deferred = new Dictionary<TaskInstanceId, Task<TaskResume>>();
        var resumes = new Dictionary<TaskInstanceId, TaskResume>();
        log.Info($"Created DAG run {run.RunId} of {dag.DagId} (logical date {Iso.Format(run.LogicalDate)})");

        DagRunState? outcome;
        while (true)
        {
            // A sensor whose next poke is due runs again, as the scheduler would schedule it.
            foreach (var (id, reschedule) in rescheduled.Where(r => states[r.Key] == TaskInstanceState.UpForReschedule && r.Value.Due <= options.TimeProvider.GetUtcNow()))
            {
                states[id] = TaskInstanceState.None;
            }

            // A deferred task whose trigger fired resumes, as the triggerer would schedule it again.
            foreach (var (id, wait) in deferred.Where(d => d.Value.IsCompleted).ToList())
            {
                resumes[id] = await wait;
                deferred.Remove(id);
                states[id] = TaskInstanceState.None;
            }

            var evaluation = DagRunEvaluator.Evaluate(serialized, states);
            foreach (var (id, state) in evaluation.States.Where(s => s.Value != states[s.Key]))
            {
                log.Info($"Marking task {id} as {state.ToWireName().ToUpperInvariant()} (trigger rule {serialized.GetTask(id.TaskId).TriggerRule.ToWireName()})");
                states[id] = state;
            }

            var ready = evaluation.Ready.ToList();
            foreach (var taskId in evaluation.ToExpand)
            {
                ready.AddRange(await ExpandAsync(log, run, serialized, serialized.GetTask(taskId), states, tries, xcom));
            }

            if (ready.Count == 0 && evaluation.ToExpand.Count > 0)
            {
                // Every expansion ended the task (an empty list skips it) or left its instances waiting for their own
                // upstream instance (a mapped task group): look at the run again.
                continue;
            }

            outcome = evaluation.RunState;
            var waiting = rescheduled.Where(r => states[r.Key] == TaskInstanceState.UpForReschedule).Select(r => r.Value.Due).ToList();
            if (outcome is null && ready.Count == 0 && (waiting.Count > 0 || deferred.Count > 0))
            {
                // Nothing else can run: wait for the next sensor's poke or a trigger to fire (their slots were free meanwhile).
                var waits = deferred.Values.Cast<Task>().ToList();
                if (waiting.Count > 0)
                {
                    var pause = waiting.Min() - options.TimeProvider.GetUtcNow();
                    waits.Add(Task.Delay(pause > TimeSpan.Zero ? pause : TimeSpan.Zero, options.TimeProvider, cancellationToken));
                }

                await Task.WhenAny(waits);
                continue;
            }

            if (outcome is not null || ready.Count == 0)
            {
                break;
            }

            foreach (var id in ready)
            {
                if (states[id] != TaskInstanceState.None)
                {
                    // Skipped by a branch that ran earlier in this pass.
                    continue;
                }

                var settings = serialized.GetTask(id.TaskId);
                tries[id]++;
                states[id] = TaskInstanceState.Running;
                var result = await _runner.RunAsync(
                    new TaskRunRequest(dag.GetTask(id.TaskId), settings, run, tries[id], xcom, options.Variables ?? secrets, options.Connections ?? secrets, sink)
                    {
                        MapIndex = id.MapIndex,
                        FirstPokeAt = rescheduled.TryGetValue(id, out var before) ? before.FirstPoke : null,
                        Reschedules = rescheduled.TryGetValue(id, out var again) ? again.Count : 0,
                        Resume = resumes.Remove(id, out var resume) ? resume : null,
                        CanDefer = true,
                        DagRuns = options.DagRuns,
                        HumanInput = _humans.For(run.DagId, run.RunId, id.TaskId, id.MapIndex),
                        Isolation = options.Isolation,
                        SkipDownstream = (ids, _) =>
                        {
                            // Inside a mapped task group, an instance skips only its own instance of the group's tasks.
                            bool SameInstanceOnly(string taskId) => settings.MapGroupId is { } group && id.MapIndex >= 0 && serialized.GetTask(taskId).MapGroupId == group;
                            foreach (var skipped in states.Keys.Where(k => ids.Contains(k.TaskId) && (!SameInstanceOnly(k.TaskId) || k.MapIndex == id.MapIndex)
                                && states[k] is TaskInstanceState.None or TaskInstanceState.Scheduled).ToList())
                            {
                                log.Info($"Marking task {skipped} as SKIPPED (skipped by {id})");
                                states[skipped] = TaskInstanceState.Skipped;
                            }

                            return Task.CompletedTask;
                        },
                    },
                    cancellationToken);
                if (result is { State: TaskInstanceState.UpForReschedule, RescheduleDate: { } due })
                {
                    // The try keeps its number: the next poke is the same try, its timeout counted from the first.
                    var first = rescheduled.TryGetValue(id, out var known) ? known.FirstPoke : result.StartDate;
                    rescheduled[id] = (due, first, (known.Count) + 1);
                    tries[id]--;
                    states[id] = TaskInstanceState.UpForReschedule;
                    continue;
                }

                if (result is { State: TaskInstanceState.Deferred, Deferral: { } deferral })
                {
                    // The try keeps its number: it resumes when the trigger fires, its slot free meanwhile.
                    tries[id]--;
                    states[id] = TaskInstanceState.Deferred;
                    deferred[id] = WaitForTriggerAsync(deferral, new TaskLogger(sink, options.TimeProvider, "triggerer"), cancellationToken);
                    continue;
                }

                rescheduled.Remove(id);
                states[id] = await AfterTryAsync(log, run, settings, result, tries[id], cancellationToken);
            }
        }

        var final = outcome ?? DagRunState.Failed;
        log.Info($"DAG run {run.RunId} finished as {final.ToWireName()}");
        var callbacks = final == DagRunState.Success ? dag.OnSuccess : dag.OnFailure;
        if (callbacks.Count > 0)
        {
            await callbacks.RunAsync(new CallbackContext
            {
                Event = final == DagRunState.Success ? "on_success_callback" : "on_failure_callback",
                DagRun = run,
                RunState = final,
                Reason = final == DagRunState.Success ? "success" : "task_failure",
                Log = log.ForSource("callback"),
                Variables = options.Variables ?? secrets,
                Connections = options.Connections ?? secrets,
                CancellationToken = cancellationToken,
            });
        }

        return new DagTestResult(run, final, states, tries, xcom);
    }

    /// <summary>Expands a mapped task in memory as the scheduler does in the database; returns the instances to run.</summary>
    private static async Task<IReadOnlyList<TaskInstanceId>> ExpandAsync(
        TaskLogger log,
        DagRunContext run,
        SerializedDag dag,
        SerializedTask task,
        Dictionary<TaskInstanceId, TaskInstanceState> states,
        Dictionary<TaskInstanceId, int> tries,
        InMemoryXComStore xcom)
    {
        var (count, error) = await MapExpansion.CountAsync(task, async input =>
            states.Keys.Any(k => k.TaskId == input.TaskId && k.MapIndex >= 0)
                ? (await xcom.GetMappedAsync(run.DagId, run.RunId, input.TaskId!, XComKey.ReturnValue)).Count
                : MapExpansion.JsonListLength(await xcom.GetAsync(new XComKey(run.DagId, run.RunId, input.TaskId!, -1, XComKey.ReturnValue))));
        var placeholder = new TaskInstanceId(task.TaskId);
        var existing = states.Keys.Where(k => k.TaskId == task.TaskId).ToList();
        if (error is not null || count == 0)
        {
            var state = error is null ? TaskInstanceState.Skipped : TaskInstanceState.Failed;
            log.Info(error is null
                ? $"Marking task {task.TaskId} as SKIPPED: it is mapped over an empty list"
                : $"Marking task {task.TaskId} as FAILED: {error}");
            foreach (var id in existing.Where(k => k != placeholder))
            {
                states[id] = TaskInstanceState.Removed;
            }

            states[placeholder] = state;
            tries.TryAdd(placeholder, 0);
            return [];
        }

        states.Remove(placeholder);
        tries.Remove(placeholder);
        foreach (var id in existing.Where(k => k.MapIndex >= count))
        {
            states[id] = TaskInstanceState.Removed;
        }

        var instances = Enumerable.Range(0, count).Select(i => new TaskInstanceId(task.TaskId, i)).ToList();
        foreach (var id in instances)
        {
            states[id] = TaskInstanceState.None;
            tries.TryAdd(id, 0);
        }

        log.Info($"Expanded task {task.TaskId} into {count} mapped instances");
        return MapExpansion.StartsOnExpansion(dag, task) ? instances : [];
    }

    /// <summary>Runs one task of the DAG on its own, ignoring its dependencies (Airflow's <c>tasks test</c>).</summary>
    public async Task<TaskRunResult> RunTaskAsync(Dag dag, string taskId, DateTimeOffset? logicalDate = null, JsonObject? conf = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var serialized = DagSerializer.Serialize(dag, options.Defaults);
        var settings = serialized.GetTask(taskId);
        var run = NewRun(dag, serialized, logicalDate, conf);
        var secrets = EnvironmentSecrets.FromProcess();
        return await _runner.RunAsync(
            new TaskRunRequest(dag.GetTask(taskId), settings, run, 1, new InMemoryXComStore(), options.Variables ?? secrets, options.Connections ?? secrets, options.Log ?? new TextTaskLogSink(Console.Out))
            {
                DagRuns = options.DagRuns,
                Isolation = options.Isolation,
            },
            cancellationToken);
    }

    /// <summary>The task's templated fields rendered for a run at <paramref name="logicalDate"/> (Airflow's <c>tasks render</c>).</summary>
    public async Task<IReadOnlyList<KeyValuePair<string, string>>> RenderAsync(Dag dag, string taskId, DateTimeOffset? logicalDate = null, JsonObject? conf = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var serialized = DagSerializer.Serialize(dag, options.Defaults);
        var task = dag.GetTask(taskId);
        var secrets = EnvironmentSecrets.FromProcess();
        var context = new TaskContext
        {
            DagRun = NewRun(dag, serialized, logicalDate, conf),
            Task = task,
            TryNumber = 1,
            MaxTries = serialized.GetTask(taskId).Retries + 1,
            Log = new TaskLogger(options.Log ?? new TextTaskLogSink(TextWriter.Null), options.TimeProvider),
            XComStore = new InMemoryXComStore(),
            Variables = options.Variables ?? secrets,
            Connections = options.Connections ?? secrets,
            CancellationToken = cancellationToken,
        };
        var rendered = new List<KeyValuePair<string, string>>();
        foreach (var (name, template) in task.GetTemplateFields())
        {
            rendered.Add(new(name, await context.RenderAsync(template, name)));
        }

        return rendered;
    }

    private DagRunContext NewRun(Dag dag, SerializedDag serialized, DateTimeOffset? logicalDate, JsonObject? conf)
    {
        var date = (logicalDate ?? options.TimeProvider.GetUtcNow()).ToUniversalTime();
        var interval = serialized.Timetable.ToTimetable().InferManualDataInterval(date);
        var parameters = dag.Params.Resolve(conf);
        return new DagRunContext(dag.DagId, RunIds.Generate(DagRunType.Manual, date), DagRunType.Manual, date, interval)
        {
            Conf = conf ?? [],
            Params = parameters,
            Timetable = serialized.Timetable,
        };
    }

    /// <summary>
    /// Runs a deferred task's trigger here, as the triggerer would: rebuilt from its stored arguments, until its first
    /// event or the deferral's timeout. A trigger that throws, ends without an event or times out resumes the task in
    /// <see cref="TaskRunner.TriggerFailure"/>, which fails the try.
    /// </summary>
    private async Task<TaskResume> WaitForTriggerAsync(Core.Triggers.TaskDeferredException deferral, TaskLogger log, CancellationToken cancellationToken)
    {
        static TaskResume Failure(string error) => new(TaskRunner.TriggerFailure, new Core.Triggers.TriggerEvent(new JsonObject { ["error"] = error }), null);
        // A timer reaches at most about 49 days; a longer deferral timeout is no limit here.
        using var timeout = deferral.Timeout is { } limit && limit <= TimeSpan.FromDays(49)
            ? new CancellationTokenSource(limit > TimeSpan.Zero ? limit : TimeSpan.Zero, options.TimeProvider)
            : new CancellationTokenSource();
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        try
        {
            var trigger = Core.Triggers.Trigger.Deserialize(deferral.Trigger.GetType(), deferral.TriggerKwargs);
            var context = new Core.Triggers.TriggerContext
            {
                Clock = options.TimeProvider,
                Log = log,
                DagRuns = options.DagRuns,
                Connections = options.Connections ?? EnvironmentSecrets.FromProcess(),
                HumanResponses = _humans,
            };
            await foreach (var @event in trigger.RunAsync(context, linked.Token))
            {
                log.Info($"Trigger {trigger.GetType().Name} fired.");
                return new TaskResume(deferral.Method, @event, deferral.Kwargs);
            }

            log.Error($"Trigger {trigger.GetType().Name} ended without an event.");
            return Failure("Trigger failure: the trigger ended without an event.");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            log.Error($"The deferral timed out after {deferral.Timeout!.Value.TotalSeconds:0.###} s.");
            return Failure($"Trigger timeout: the task did not resume within {deferral.Timeout!.Value.TotalSeconds:0.###} s.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            log.Error($"Trigger {deferral.Trigger.GetType().Name} was cancelled.");
            return Failure("Trigger failure: the trigger was cancelled.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A trigger is user code: whatever it throws fails the task, not the test run.
            log.Error($"Trigger {deferral.Trigger.GetType().Name} failed: {e.GetType().Name}: {e.Message}");
            return Failure($"Trigger failure: {e.GetType().Name}: {e.Message}");
        }
    }

    private async Task<TaskInstanceState> AfterTryAsync(TaskLogger log, DagRunContext run, SerializedTask settings, TaskRunResult result, int tryNumber, CancellationToken cancellationToken)
    {
        if (result.State != TaskInstanceState.Failed || !result.RetryAllowed || !RetryPolicy.CanRetry(settings, tryNumber))
        {
            await TaskRunner.RunCallbacksAsync(result, result.State, cancellationToken);
            return result.State;
        }

        await TaskRunner.RunCallbacksAsync(result, TaskInstanceState.UpForRetry, cancellationToken);

        var delay = RetryPolicy.NextRetryDelay(settings, run.DagId, run.LogicalDate, tryNumber, options.Defaults.MaxTaskRetryDelay);
        var seconds = delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        log.Info($"Marking task {settings.TaskId} as UP_FOR_RETRY (try {tryNumber} of {settings.Retries + 1})");
        if (options.HonorRetryDelay)
        {
            log.Info($"Waiting {seconds} s before the next try");
            await Task.Delay(delay, options.TimeProvider, cancellationToken);
        }
        else
        {
            log.Info($"Retrying at once; a real run would wait {seconds} s");
        }

        return TaskInstanceState.None;
    }
}
