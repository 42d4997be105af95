using System.Net;
using System.Text.Json.Nodes;
using Updraft.Core.DagRuns;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Dags.Loading;
using Updraft.Execution.Tasks;
using Updraft.Execution.Testing;
using Updraft.Scheduling.Logging;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// Runs one queued task instance try from the metadata database: marks it running, loads its DAG file, runs it
/// through <see cref="TaskRunner"/> with database XCom and a per-try log file, heartbeats while it runs, and
/// records success, skipped, up_for_retry or failed. What <c>updraft tasks run</c> and worker processes do.
/// Every write names the try: when a heartbeat finds the try no longer owns its task instance (it was declared
/// lost and retried, cleared or marked), the try is stopped through <see cref="StopLostTry"/>, and any later write
/// of its state or XCom is refused. Database errors that pass (a restart, a dropped connection) are retried.
/// </summary>
public sealed class TaskInstanceRunner(
    MetadataDatabase database,
    DagBagLoader loader,
    IReadOnlyList<string> dagFolders,
    string logFolder,
    IVariableStore variables,
    IConnectionStore connections,
    TimeProvider timeProvider,
    TimeSpan heartbeatInterval,
    TimeSpan maxRetryDelay)
{
    private readonly DagStore _dags = new(database);
    private readonly DagRunStore _runs = new(database);
    private readonly TaskInstanceStore _tasks = new(database);
    private readonly HashSet<string> _loadedDagIds = new(StringComparer.Ordinal);

    /// <summary>The DAGs this runner has loaded so far.</summary>
    public IReadOnlyCollection<string> LoadedDagIds => _loadedDagIds;

    /// <summary>How long a finished try's state write is retried while the database is away.</summary>
    public TimeSpan WriteRetryBudget { get; init; } = TimeSpan.FromMinutes(5);

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

    /// <summary>Loads the DAG folders and opens a database connection, so the first task starts as fast as the rest.</summary>
    public async Task WarmUpAsync(CancellationToken cancellationToken = default)
    {
        foreach (var dagId in loader.Load(dagFolders).Dags.Keys)
        {
            _loadedDagIds.Add(dagId);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
    }

    public async Task<WorkerReply> RunAsync(WorkerRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var key = new TaskInstanceKey(request.DagId, request.RunId, request.TaskId, request.MapIndex);
        var retry = new TransientRetry(timeProvider, WriteRetryBudget);
        var run = await retry.RunAsync(ct => _runs.GetAsync(key.DagId, key.RunId, ct), cancellationToken: cancellationToken);
        var serialized = run is null ? null : await retry.RunAsync(ct => _dags.GetSerializedAsync(key.DagId, run.DagVersion, ct), cancellationToken: cancellationToken);
        if (run is null || serialized is null
            || !await retry.RunAsync(ct => _tasks.StartAsync(key, request.TryNumber, Dns.GetHostName(), Environment.ProcessId, timeProvider.GetUtcNow(), ct), cancellationToken: cancellationToken))
        {
            return new WorkerReply(null, Exiting: false, "The task instance was not queued for this try; another runner has it or it was cleared.");
        }

        var logPath = TaskLogPaths.For(logFolder, key, request.TryNumber);
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        await using var logFile = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var sink = new TextTaskLogSink(logFile);
        var masker = new SecretMasker();
        var log = new TaskLogger(sink, timeProvider, "worker", masker);
        var (dag, version) = serialized.Value;
        var settings = dag.GetTask(key.TaskId);

        var bag = loader.Load([dag.Fileloc]);
        _loadedDagIds.UnionWith(bag.Dags.Keys);
        if (!bag.Dags.TryGetValue(key.DagId, out var loaded) || !loaded.Dag.TryGetTask(key.TaskId, out var task))
        {
            var why = bag.ImportErrors.Count > 0 ? bag.ImportErrors[0].ToString() : $"{dag.Fileloc} no longer defines {key.DagId}.{key.TaskId}";
            log.Error($"Cannot load the task: {why}");
            return await FinishAsync(key, request.TryNumber, settings, run, TaskInstanceState.Failed, retryAllowed: true, log, cancellationToken) with { Error = why };
        }

        if (loaded.Serialized.SourceHash != dag.SourceHash)
        {
            log.Warning($"The DAG file changed since this run was created (version {version}); running the task as the file defines it now.");
        }

        var conf = JsonNode.Parse(run.Conf) as JsonObject ?? [];
        var context = new DagRunContext(
            key.DagId,
            key.RunId,
            ParseRunType(run.RunType),
            Micros.To(run.LogicalDate),
            new Core.Timetables.DataInterval(Micros.To(run.DataIntervalStart), Micros.To(run.DataIntervalEnd)))
        {
            Conf = conf,
            Params = loaded.Dag.Params.Resolve(conf),
        };

        using var heartbeatStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var tryStop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var heartbeat = HeartbeatAsync(key, request.TryNumber, log, tryStop, heartbeatStop.Token);
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var console = new TaskLogTextWriter(new TaskLogger(sink, timeProvider, key.TaskId, masker));
        TaskRunResult result;
        try
        {
            // One task at a time runs in this process, so its console output can go to its log.
            Console.SetOut(console);
            Console.SetError(console);
            result = await new TaskRunner(timeProvider).RunAsync(
                new TaskRunRequest(task, settings, context, request.TryNumber, new DatabaseXComStore(database, timeProvider, request.TryNumber), variables, connections, sink)
                {
                    Masker = masker,
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

        var reply = await FinishAsync(key, request.TryNumber, settings, run, result.State, result.RetryAllowed, log, cancellationToken);
        return reply with { Exiting = result.ProcessUnsafe, Error = reply.Error ?? result.Error };
    }

    private async Task<WorkerReply> FinishAsync(
        TaskInstanceKey key,
        int tryNumber,
        Core.Serialization.SerializedTask settings,
        DagRunRecord run,
        TaskInstanceState state,
        bool retryAllowed,
        TaskLogger log,
        CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        DateTimeOffset? retryAt = null;
        if (state == TaskInstanceState.Failed && retryAllowed && RetryPolicy.CanRetry(settings, tryNumber))
        {
            state = TaskInstanceState.UpForRetry;
            retryAt = now + RetryPolicy.NextRetryDelay(settings, key.DagId, Micros.To(run.LogicalDate), tryNumber, maxRetryDelay);
        }

        // A finished try is never discarded because the database was away for a moment.
        var recorded = await new TransientRetry(timeProvider, WriteRetryBudget).RunAsync(
            ct => _tasks.FinishAsync(key, tryNumber, state, now, retryAt, null, ct),
            (e, pause) => log.Warning($"Recording the try's state failed ({e.Message.Split('\n')[0]}); trying again in {pause.TotalSeconds:0.#} s."),
            cancellationToken);
        if (!recorded)
        {
            var refused = $"The try's result ({state.ToWireName()}) was refused: try {tryNumber} no longer owns the task instance.";
            log.Warning(refused);
            return new WorkerReply(null, Exiting: false, refused);
        }

        return new WorkerReply(state, Exiting: false);
    }

    private async Task HeartbeatAsync(TaskInstanceKey key, int tryNumber, TaskLogger log, CancellationTokenSource tryStop, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(heartbeatInterval, timeProvider, cancellationToken);
                bool owned;
                try
                {
                    owned = await _tasks.HeartbeatAsync(key, tryNumber, timeProvider.GetUtcNow(), cancellationToken);
                }
                catch (Exception e) when (MetadataDatabase.IsTransient(e))
                {
                    // The database is away: keep running and beat again; the zombie threshold is far longer than a blip.
                    log.Warning($"Heartbeat failed ({e.Message.Split('\n')[0]}); the task keeps running.");
                    continue;
                }

                if (!owned)
                {
                    // Ask the task to stop (a Bash task's process tree is killed); if it has not ended within the grace
                    // period (this token is cancelled when it ends), stop it the hard way.
                    log.Error($"Try {tryNumber} no longer owns the task instance (it was declared lost, cleared or marked elsewhere); stopping it.");
                    await tryStop.CancelAsync();
                    await Task.Delay(LostTryGrace, timeProvider, cancellationToken);
                    log.Error($"Try {tryNumber} did not stop within {LostTryGrace.TotalSeconds:0.#} s; killing its processes.");
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
    private static DagRunType ParseRunType(string text) => text switch
    {
        "scheduled" => DagRunType.Scheduled,
        "backfill" => DagRunType.Backfill,
        "dataset_triggered" => DagRunType.DatasetTriggered,
        _ => DagRunType.Manual,
    };
}
