using System.Globalization;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Core.Templates;

namespace Updraft.Execution.Tasks;

/// <summary>
/// Runs one try of a task instance: renders its templates, runs it under its execution timeout, stores its
/// result as XCom and reports how it ended. Every executor runs tasks through this class, whether in this
/// process (DAG tests) or in a worker or task process.
/// </summary>
public sealed class TaskRunner(TimeProvider timeProvider)
{
    /// <summary>How long a timed-out task gets to stop after being cancelled before it is abandoned.</summary>
    public TimeSpan CancellationGrace { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The resume method meaning the deferral failed (Airflow's <c>__fail__</c>): its trigger threw or timed out; the
    /// try fails with the event's <c>error</c>, its retries applying.
    /// </summary>
    public const string TriggerFailure = "__fail__";

    public async Task<TaskRunResult> RunAsync(TaskRunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var settings = request.Settings;
        var masker = request.Masker;
        var secrets = new MaskingSecretStores(request.Variables, request.Connections, masker);
        var log = new TaskLogger(request.Log, timeProvider, "runner", masker);
        var start = timeProvider.GetUtcNow();
        var maxTries = settings.Retries + 1;
        log.Info($"Starting attempt {request.TryNumber} of {maxTries} for {request.Run.DagId}.{settings.TaskId}{(request.MapIndex >= 0 ? $"[{request.MapIndex}]" : "")} run_id={request.Run.RunId}");

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var context = new TaskContext
        {
            DagRun = request.Run,
            Task = request.Task,
            TryNumber = request.TryNumber,
            MapIndex = request.MapIndex,
            MaxTries = maxTries,
            Log = log.ForSource(settings.TaskId),
            XComStore = request.XCom,
            Variables = secrets,
            Connections = secrets,
            CancellationToken = timeout.Token,
            Clock = timeProvider,
            DagRuns = request.DagRuns,
            FirstPokeAt = request.FirstPokeAt,
            Reschedules = request.Reschedules,
            TriggerEvent = request.Resume?.Event,
            NextKwargs = request.Resume?.Kwargs,
            HumanInput = request.HumanInput,
        };

        TaskRunResult outcome;
        try
        {
            var rendered = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, template) in request.Task.GetTemplateFields())
            {
                rendered[name] = await TemplateRenderer.RenderAsync(template, TemplateScope.For(context), name, cancellationToken);
            }

            if (request.RecordRenderedFields is { } record && rendered.Count > 0)
            {
                await RecordRenderedFieldsAsync(record, rendered, masker, log, cancellationToken);
            }

            context = Copy(context, rendered, context.CancellationToken);
            await request.Task.CallbacksFor(TaskCallbackEvent.OnExecute).RunAsync(CallbackContextFor(context, TaskCallbackEvent.OnExecute, TaskInstanceState.Running, null));
            if (request.Task.Isolated && request.Isolation is null)
            {
                log.Info($"Task {settings.TaskId} is isolated; running it in this process (there is no DAG file here to load in a fresh one)");
            }

            var result = await ExecuteWithTimeoutAsync(request.Task, context, settings.ExecutionTimeout, timeout, request.Task.Isolated ? request.Isolation : null, request.Resume);
            if (context.DownstreamToSkip.Count > 0)
            {
                log.Info($"Skipping downstream tasks: {string.Join(", ", context.DownstreamToSkip)}");
                if (request.SkipDownstream is { } skip)
                {
                    await skip(context.DownstreamToSkip, cancellationToken);
                }
            }

            if (settings.MappedResultLimit is { } limit)
            {
                CheckMappable(settings.TaskId, result, limit);
            }

            if (result is not null && settings.DoXComPush)
            {
                await request.XCom.SetAsync(
                    new XComKey(request.Run.DagId, request.Run.RunId, settings.TaskId, request.MapIndex, XComKey.ReturnValue),
                    XComJson.Serialize(result),
                    cancellationToken);
            }

            outcome = Finish(log, request, start, TaskInstanceState.Success, null, retryAllowed: false);
        }
        catch (Core.Triggers.TaskDeferredException e) when (request.CanDefer)
        {
            log.Info($"Pausing task as DEFERRED: {e.Message}");
            outcome = Finish(log, request, start, TaskInstanceState.Deferred, null, retryAllowed: false) with { Deferral = e };
        }
        catch (Core.Triggers.TaskDeferredException e)
        {
            var message = $"The task deferred itself on {e.Trigger.GetType().Name}, but nothing where it runs would wait on the trigger (a triggerer for worker tries, the in-process one of 'dags test').";
            log.Error(message);
            outcome = Finish(log, request, start, TaskInstanceState.Failed, message, retryAllowed: false);
        }
        catch (TaskRescheduleException e)
        {
            log.Info($"{e.Message} Marking the task as UP_FOR_RESCHEDULE; its slot is free until then.");
            outcome = Finish(log, request, start, TaskInstanceState.UpForReschedule, null, retryAllowed: false) with { RescheduleDate = e.RescheduleDate };
        }
        catch (TaskSkippedException e)
        {
            log.Info(e.Message);
            outcome = Finish(log, request, start, TaskInstanceState.Skipped, null, retryAllowed: false) with { SkipReason = masker.Mask(e.Message) };
        }
        catch (TaskFailedException e)
        {
            log.Error($"Task failed without retrying: {e.Message}");
            outcome = Finish(log, request, start, TaskInstanceState.Failed, e.Message, retryAllowed: false);
        }
        catch (TaskTimeoutException e)
        {
            log.Error(e.Message);
            outcome = Finish(log, request, start, TaskInstanceState.Failed, e.Message, retryAllowed: true) with { ProcessUnsafe = e.Abandoned };
        }
        catch (OutOfMemoryException e)
        {
            log.Error($"Task ran out of memory: {e.Message}");
            outcome = Finish(log, request, start, TaskInstanceState.Failed, "Task ran out of memory.", retryAllowed: true) with { ProcessUnsafe = true };
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            log.Error("Task was stopped before it finished.");
            outcome = Finish(log, request, start, TaskInstanceState.Failed, "Task was stopped before it finished.", retryAllowed: true);
        }
        catch (Exception e)
        {
            // User code may throw anything; the task fails and the runner carries on.
            log.Error($"Task failed with exception: {e}");
            outcome = Finish(log, request, start, TaskInstanceState.Failed, $"{e.GetType().Name}: {e.Message}", retryAllowed: true);
        }
    
        return outcome with { Context = context };
    }

    /// <summary>
    /// Runs the task's callbacks for how its try ended, once that state is recorded: <paramref name="recorded"/> is the
    /// state the orchestrator kept (<c>up_for_retry</c> or <c>failed</c> for a failed try). Callbacks that throw are
    /// logged; nothing they do changes the state.
    /// </summary>
    /// <remarks>
    /// The callbacks get the try's context with <paramref name="cancellationToken"/> (the worker stopping) in place of
    /// the try's own token, which an execution timeout has already cancelled.
    /// </remarks>
    public static async Task RunCallbacksAsync(TaskRunResult result, TaskInstanceState recorded, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (result.Context is not { } tryContext || TaskCallbackEvents.For(recorded) is not { } @event)
        {
            return;
        }

        var callbacks = tryContext.Task.CallbacksFor(@event);
        if (callbacks.Count > 0)
        {
            var context = Copy(tryContext, tryContext.Rendered, cancellationToken);
            await callbacks.RunAsync(CallbackContextFor(context, @event, recorded, result.Error ?? result.SkipReason));
        }
    }

    private static CallbackContext CallbackContextFor(TaskContext context, TaskCallbackEvent @event, TaskInstanceState state, string? reason) => new()
    {
        Event = @event.ToWireName(),
        DagRun = context.DagRun,
        TaskInstance = context,
        State = state,
        Reason = reason,
        Log = context.Log,
        Variables = context.Variables,
        Connections = context.Connections,
        CancellationToken = context.CancellationToken,
    };

    /// <summary>A failed or timed-out trigger: a sensor's own rules (timeout without retries, soft fail), otherwise a failure with retries.</summary>
    private static Exception TriggerFailed(Operator task, string error) =>
        task is SensorOperator sensor ? sensor.TriggerFailed(error) : new InvalidOperationException(error);

    private async Task<object?> ExecuteWithTimeoutAsync(Operator task, TaskContext context, TimeSpan? executionTimeout, CancellationTokenSource cancel, ITaskIsolation? isolation, TaskResume? resume)
    {
        var execution = Task.Run(
            () => resume is { } r && r.Method == TriggerFailure ? throw TriggerFailed(task, r.Event.Payload?["error"]?.GetValue<string>() ?? "Trigger failure: the trigger failed.")
                : resume is { } next ? task.ResumeAsync(context, next.Method)
                : isolation is null ? task.ExecuteAsync(context) : isolation.ExecuteAsync(task, context),
            CancellationToken.None);
        if (executionTimeout is not { } limit)
        {
            return await execution;
        }

        using var timerCancel = new CancellationTokenSource();
        var timer = Task.Delay(limit, timeProvider, timerCancel.Token);
        if (await Task.WhenAny(execution, timer) == execution)
        {
            await timerCancel.CancelAsync();
            return await execution;
        }

        await cancel.CancelAsync();
        var message = $"Task timed out after {limit.TotalSeconds.ToString(CultureInfo.InvariantCulture)} seconds (execution_timeout).";
        var grace = Task.Delay(CancellationGrace, timeProvider);
        var abandoned = await Task.WhenAny(execution, grace) != execution;
        if (abandoned)
        {
            context.Log.Warning("The task did not stop after cancellation and was abandoned.");
        }

        throw new TaskTimeoutException(message, abandoned);
    }

    private static TaskContext Copy(TaskContext context, IReadOnlyDictionary<string, string> rendered, CancellationToken cancellationToken) => new()
    {
        DagRun = context.DagRun,
        Task = context.Task,
        TryNumber = context.TryNumber,
        MapIndex = context.MapIndex,
        MaxTries = context.MaxTries,
        Log = context.Log,
        XComStore = context.XComStore,
        Variables = context.Variables,
        Connections = context.Connections,
        CancellationToken = cancellationToken,
        Clock = context.Clock,
        DagRuns = context.DagRuns,
        FirstPokeAt = context.FirstPokeAt,
        Reschedules = context.Reschedules,
        TriggerEvent = context.TriggerEvent,
        NextKwargs = context.NextKwargs,
        OutletEvents = context.OutletEvents,
        HumanInput = context.HumanInput,
        Rendered = rendered,
    };

    /// <summary>
    /// Hands the rendered fields on with every secret the try has read masked as in its log (templates read connections
    /// and variables through the masking stores, so what they rendered is known), and a field whose name marks it secret
    /// (<c>env.DB_PASSWORD</c>, <c>headers.Authorization</c>) masked whole, as Airflow's redaction does. Only a stop of
    /// the try ends it here: the fields are for people looking at the run, never a reason for the task to fail.
    /// </summary>
    private static async Task RecordRenderedFieldsAsync(
        Func<IReadOnlyDictionary<string, string>, CancellationToken, Task> record,
        Dictionary<string, string> rendered,
        SecretMasker masker,
        TaskLogger log,
        CancellationToken cancellationToken)
    {
        var masked = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in rendered)
        {
            masked[name] = SecretMasker.IsSensitiveName(name) ? "***" : masker.Mask(value);
        }

        try
        {
            await record(masked, cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            log.Warning($"Could not record the rendered template fields ({e.Message.Split('\n')[0]}); the task runs on.");
        }
    }

    /// <summary>A result a mapped task expands over must be a list no longer than <c>[core] max_map_length</c> (Airflow's unmappable-XCom checks).</summary>
    private static void CheckMappable(string taskId, object? result, int limit)
    {
        if (result is not System.Collections.IEnumerable list || result is string)
        {
            throw new TaskFailedException(
                $"Task '{taskId}' must return a list: a mapped task expands over its result, but it returned {(result is null ? "nothing" : $"a {result.GetType().Name}")}.");
        }

        var count = 0;
        foreach (var _ in list)
        {
            if (++count > limit)
            {
                throw new TaskFailedException($"Task '{taskId}' returned more than {limit} items to map over, past [core] max_map_length ({limit}).");
            }
        }
    }

    private TaskRunResult Finish(TaskLogger log, TaskRunRequest request, DateTimeOffset start, TaskInstanceState state, string? error, bool retryAllowed)
    {
        var end = timeProvider.GetUtcNow();
        log.Info($"Task {request.Settings.TaskId} finished as {state.ToWireName()} in {(end - start).TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s");
        // The error travels on (to callbacks, notifiers, the executor): with the try's known secrets masked, as its log.
        return new TaskRunResult(state, error is null ? null : request.Masker.Mask(error), retryAllowed, start, end);
    }

    private sealed class TaskTimeoutException(string message, bool abandoned) : Exception(message)
    {
        public bool Abandoned { get; } = abandoned;
    }
}
