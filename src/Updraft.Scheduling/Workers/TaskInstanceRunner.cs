using System.Net;
using System.Text.Json.Nodes;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Dags.Loading;
using Updraft.Execution.Api;
using Updraft.Execution.Tasks;
using Updraft.Execution.Testing;
using Updraft.Scheduling.Logging;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// Runs one queued try through the execution API: starts it (getting its run's context), loads its DAG file, runs it
/// through <see cref="TaskRunner"/> with XCom, variables and connections served by the API and a per-try log file,
/// heartbeats while it runs, and finishes it. What worker processes and <c>updraft tasks run</c> do; it never opens
/// the metadata database. When a heartbeat finds the try no longer owns its task instance (it was declared lost and
/// retried, cleared or marked), the try is cancelled and, if it does not stop, killed through
/// <see cref="StopLostTry"/>; any later write of its state or XCom is refused. Calls that fail because the
/// orchestrator or its database is briefly away are retried.
/// </summary>
public sealed class TaskInstanceRunner(
    IExecutionApi api,
    DagBagLoader loader,
    string logFolder,
    TimeProvider timeProvider,
    TimeSpan heartbeatInterval,
    string codeCacheFolder,
    Executors.WorkerCommand? isolatedTaskCommand = null)
{
    private readonly HashSet<string> _loadedDagIds = new(StringComparer.Ordinal);
    private readonly DagCodeCache _code = new(codeCacheFolder);

    /// <summary>
    /// The DAGs this runner has loaded so far (it loads only the code of the tries it runs, never a whole DAGs folder,
    /// whose other files could crash or hang it).
    /// </summary>
    public IReadOnlyCollection<string> LoadedDagIds => _loadedDagIds;

    /// <summary>How long a call (start, finish) is retried while the orchestrator or its database is away.</summary>
    public TimeSpan WriteRetryBudget { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long recording the rendered template fields is retried while the orchestrator is away: briefly, since the
    /// task waits meanwhile and the fields are only for people to look at.
    /// </summary>
    public TimeSpan RenderedFieldsRetryBudget { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a try that lost its task instance has to stop once cancelled, before <see cref="StopLostTry"/>.</summary>
    public TimeSpan LostTryGrace { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Stops a try that lost its task instance and did not stop when cancelled. By default it kills every process
    /// this one started and exits, since task code runs in this process and cannot be made to stop otherwise.
    /// </summary>
    public Action StopLostTry { get; init; } = () =>
    {
        ProcessTree.KillDescendants(Environment.ProcessId);
        Environment.Exit(ProcessTree.LostTryExitCode);
    };

    public async Task<WorkerReply> RunAsync(WorkerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var id = new TryIdentity(request.DagId, request.RunId, request.TaskId, request.MapIndex, request.TryNumber);
        var token = request.Token;
        var retry = TransientRetry.ForExecutionApi(timeProvider, WriteRetryBudget);
        var start = await retry.RunAsync(ct => api.StartAsync(token, id, Dns.GetHostName(), Environment.ProcessId, ct), cancellationToken: cancellationToken);
        if (start is null)
        {
            return new WorkerReply(null, Exiting: false, "The task instance was not queued for this try; another runner has it or it was cleared.");
        }

        var logPath = TaskLogPaths.For(logFolder, new(id.DagId, id.RunId, id.TaskId, id.MapIndex), id.TryNumber);
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        await using var logFile = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var sink = new TextTaskLogSink(logFile);
        var masker = new SecretMasker();
        var log = new TaskLogger(sink, timeProvider, "worker", masker);
        var settings = start.Task;

        // The code this run's DAG version was built from, whatever the file says now (or whether it exists here).
        var code = await retry.RunAsync(
            _ => _code.GetAsync(start.SourceHash, start.Fileloc, () => api.GetDagCodeAsync(token, id, start.SourceHash, cancellationToken)),
            cancellationToken: cancellationToken);
        if (code is null)
        {
            log.Warning($"The code of DAG version {start.DagVersion} was not kept (it was parsed before Updraft kept DAG code); running {start.Fileloc} as it is now.");
            code = new Core.Serialization.DagCode(start.SourceHash, start.Fileloc, await File.ReadAllBytesAsync(start.Fileloc, cancellationToken));
        }

        Core.Serialization.DagCode? shared = null;
        if (start.SharedHash is { } sharedHash)
        {
            shared = await retry.RunAsync(
                _ => _code.GetAsync(sharedHash, "", () => api.GetDagCodeAsync(token, id, sharedHash, cancellationToken)),
                cancellationToken: cancellationToken);
            if (shared is null)
            {
                log.Error($"The shared code {sharedHash} of DAG version {start.DagVersion} is not stored; the task cannot load.");
                return await FinishAsync(id, () => token, TaskInstanceState.Failed, retryAllowed: true, log, cancellationToken) with { Error = "shared code not stored" };
            }
        }

        var bag = loader.LoadCode(code, shared);

        _loadedDagIds.UnionWith(bag.Dags.Keys);
        if (!bag.Dags.TryGetValue(id.DagId, out var loaded) || !loaded.Dag.TryGetTask(id.TaskId, out var task))
        {
            var why = bag.ImportErrors.Count > 0 ? bag.ImportErrors[0].ToString() : $"{start.Fileloc} does not define {id.DagId}.{id.TaskId}";
            log.Error($"Cannot load the task: {why}");
            return await FinishAsync(id, () => token, TaskInstanceState.Failed, retryAllowed: true, log, cancellationToken) with { Error = why };
        }

        var conf = JsonNode.Parse(start.Conf) as JsonObject ?? [];
        var context = new DagRunContext(
            id.DagId,
            id.RunId,
            RunIds.ParseType(start.RunType),
            start.LogicalDate,
            new Core.Timetables.DataInterval(start.DataIntervalStart, start.DataIntervalEnd))
        {
            Conf = conf,
            Params = loaded.Dag.Params.Resolve(conf),
            Timetable = start.Timetable,
            TriggeringAssetEvents = start.TriggeringAssetEvents,
        };

        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var tryStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = HeartbeatAsync(id, () => token, fresh => token = fresh, log, tryStop, heartbeatStop.Token);
        var stores = new ExecutionApiStores(api, id, () => token);
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var console = new TaskLogTextWriter(new TaskLogger(sink, timeProvider, id.TaskId, masker));
        TaskRunResult result;
        try
        {
            // One task at a time runs in this process, so its console output can go to its log.
            Console.SetOut(console);
            Console.SetError(console);
            result = await new TaskRunner(timeProvider).RunAsync(
                new TaskRunRequest(task, settings, context, id.TryNumber, stores, stores, stores, sink)
                {
                    Masker = masker,
                    MapIndex = id.MapIndex,
                    FirstPokeAt = start.FirstPokeAt,
                    Reschedules = start.Reschedules,
                    Resume = start.NextMethod is { } method ? new TaskResume(method, new Core.Triggers.TriggerEvent(start.NextEvent), start.NextKwargs) : null,
                    CanDefer = true,
                    DagRuns = stores,
                    HumanInput = stores,
                    Isolation = isolatedTaskCommand is null ? null : new ProcessIsolation(isolatedTaskCommand, _ => (code, shared)),
                    SkipDownstream = (ids, ct) => retry.RunAsync(c => api.SkipDownstreamAsync(token, id, ids, c), cancellationToken: ct),
                    RecordRenderedFields = (fields, ct) => TransientRetry.ForExecutionApi(timeProvider, RenderedFieldsRetryBudget).RunAsync(
                        async c =>
                        {
                            await api.SetRenderedFieldsAsync(token, id, fields, c);
                            return true;
                        },
                        cancellationToken: ct),
                },
                tryStop.Token);
        }
        finally
        {
            await console.FlushAsync(CancellationToken.None);
            Console.SetOut(stdout);
            Console.SetError(stderr);
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }

        var reply = result switch
        {
            { State: TaskInstanceState.UpForReschedule, RescheduleDate: { } due } => await RescheduleAsync(id, token, due, log, cancellationToken),
            { State: TaskInstanceState.Deferred, Deferral: { } deferral } => await DeferAsync(id, token, deferral, log, cancellationToken),
            _ => await FinishAsync(id, () => token, result.State, result.RetryAllowed, log, cancellationToken, Outlets(settings, result)),
        };
        if (reply.State is { } recorded)
        {
            // Callbacks run once the state is kept (as Airflow 3's task runner does), so nothing they do changes it;
            // their output goes to the try's log.
            Console.SetOut(console);
            Console.SetError(console);
            try
            {
                await TaskRunner.RunCallbacksAsync(result, recorded, cancellationToken);
            }
            finally
            {
                await console.FlushAsync(CancellationToken.None);
                Console.SetOut(stdout);
                Console.SetError(stderr);
            }
        }

        return reply with { Exiting = result.ProcessUnsafe, Error = reply.Error ?? result.Error };
    }

    private async Task<WorkerReply> FinishAsync(TryIdentity id, Func<string> token, TaskInstanceState state, bool retryAllowed, TaskLogger log, CancellationToken cancellationToken, JsonObject? outletEvents = null)
    {
        // A finished try is never discarded because the orchestrator or its database was away for a moment.
        var recorded = await TransientRetry.ForExecutionApi(timeProvider, WriteRetryBudget).RunAsync(
            ct => api.FinishAsync(token(), id, state, retryAllowed, outletEvents, ct),
            (e, pause) => log.Warning($"Recording the try's state failed ({e.Message.Split('\n')[0]}); trying again in {pause.TotalSeconds:0.#} s."),
            cancellationToken);
        if (recorded is not { } final)
        {
            var refused = $"The try's result ({state.ToWireName()}) was refused: try {id.TryNumber} no longer owns the task instance.";
            log.Warning(refused);
            return new WorkerReply(null, Exiting: false, refused);
        }

        return new WorkerReply(final, Exiting: false);
    }

    /// <summary>For a success of a task with outlets, the extra data of each outlet's event; null otherwise (nothing to record).</summary>
    private static JsonObject? Outlets(Core.Serialization.SerializedTask settings, TaskRunResult result) =>
        result.State == TaskInstanceState.Success && (settings.Outlets is { Count: > 0 } || settings.OutletAliases is { Count: > 0 })
            ? (result.Context?.OutletEvents ?? new Core.Assets.OutletEvents()).For((settings.Outlets ?? []).Select(o => o.Name), (settings.OutletAliases ?? []).Select(a => a.Name))
            : null;

    private async Task<WorkerReply> DeferAsync(TryIdentity id, string token, Core.Triggers.TaskDeferredException deferral, TaskLogger log, CancellationToken cancellationToken)
    {
        var request = new TaskDeferral(deferral.Trigger.TypeName, deferral.TriggerKwargs, deferral.Method, deferral.Kwargs, deferral.Timeout);
        var recorded = await TransientRetry.ForExecutionApi(timeProvider, WriteRetryBudget).RunAsync(
            ct => api.DeferAsync(token, id, request, ct),
            (e, pause) => log.Warning($"Recording the deferral failed ({e.Message.Split('\n')[0]}); trying again in {pause.TotalSeconds:0.#} s."),
            cancellationToken);
        if (recorded is not { } state)
        {
            var refused = $"The deferral was refused: try {id.TryNumber} no longer owns the task instance.";
            log.Warning(refused);
            return new WorkerReply(null, Exiting: false, refused);
        }

        return new WorkerReply(state, Exiting: false);
    }

    private async Task<WorkerReply> RescheduleAsync(TryIdentity id, string token, DateTimeOffset due, TaskLogger log, CancellationToken cancellationToken)
    {
        var recorded = await TransientRetry.ForExecutionApi(timeProvider, WriteRetryBudget).RunAsync(
            ct => api.RescheduleAsync(token, id, due, ct),
            (e, pause) => log.Warning($"Recording the reschedule failed ({e.Message.Split('\n')[0]}); trying again in {pause.TotalSeconds:0.#} s."),
            cancellationToken);
        if (recorded is not { } state)
        {
            var refused = $"The reschedule was refused: try {id.TryNumber} no longer owns the task instance.";
            log.Warning(refused);
            return new WorkerReply(null, Exiting: false, refused);
        }

        return new WorkerReply(state, Exiting: false);
    }

    private async Task HeartbeatAsync(TryIdentity id, Func<string> token, Action<string> refreshed, TaskLogger log, CancellationTokenSource tryStop, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(heartbeatInterval, timeProvider, cancellationToken);
                HeartbeatResult beat;
                try
                {
                    beat = await api.HeartbeatAsync(token(), id, cancellationToken);
                }
                catch (Exception e) when (e is not (OperationCanceledException or ExecutionApiRefusedException))
                {
                    // The orchestrator or its database is away, or a beat failed some other way: keep running and beat
                    // again. Only the orchestrator saying the try lost its row stops it; the zombie threshold is far
                    // longer than a blip.
                    log.Warning($"Heartbeat failed ({e.Message.Split('\n')[0]}); the task keeps running.");
                    continue;
                }

                if (beat.RefreshedToken is { } fresh)
                {
                    refreshed(fresh);
                }

                if (!beat.Owned)
                {
                    // Ask the task to stop (a Bash task's process tree is killed); if it has not ended within the grace
                    // period (this token is cancelled when it ends), stop it the hard way.
                    log.Error($"Try {id.TryNumber} no longer owns the task instance (it was declared lost, cleared or marked elsewhere); stopping it.");
                    await tryStop.CancelAsync();
                    await Task.Delay(LostTryGrace, timeProvider, cancellationToken);
                    log.Error($"Try {id.TryNumber} did not stop within {LostTryGrace.TotalSeconds:0.#} s; killing its processes.");
                    StopLostTry();
                    return;
                }
            }
        }
        catch (OperationCanceledException)
        {
            // The try ended.
        }
    }

}
