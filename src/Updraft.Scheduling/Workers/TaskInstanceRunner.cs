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
        var run = await _runs.GetAsync(key.DagId, key.RunId, cancellationToken);
        var serialized = run is null ? null : await _dags.GetSerializedAsync(key.DagId, run.DagVersion, cancellationToken);
        if (run is null || serialized is null || !await _tasks.StartAsync(key, request.TryNumber, Dns.GetHostName(), Environment.ProcessId, timeProvider.GetUtcNow(), cancellationToken))
        {
            return new WorkerReply("not_queued", Exiting: false, "The task instance was not queued for this try; another runner has it or it was cleared.");
        }

        var logPath = TaskLogPaths.For(logFolder, key, request.TryNumber);
        Directory.CreateDirectory(Path.GetDirectoryName(logPath)!);
        await using var logFile = new StreamWriter(new FileStream(logPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite)) { AutoFlush = true };
        var sink = new TextTaskLogSink(logFile);
        var log = new TaskLogger(sink, timeProvider, "worker");
        var (dag, version) = serialized.Value;
        var settings = dag.GetTask(key.TaskId);

        var bag = loader.Load([dag.Fileloc]);
        _loadedDagIds.UnionWith(bag.Dags.Keys);
        if (!bag.Dags.TryGetValue(key.DagId, out var loaded) || !loaded.Dag.TryGetTask(key.TaskId, out var task))
        {
            var why = bag.ImportErrors.Count > 0 ? bag.ImportErrors[0].ToString() : $"{dag.Fileloc} no longer defines {key.DagId}.{key.TaskId}";
            log.Error($"Cannot load the task: {why}");
            return await FinishAsync(key, request.TryNumber, settings, run, TaskInstanceState.Failed, retryAllowed: true, cancellationToken) with { Error = why };
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
        var heartbeat = HeartbeatAsync(key, heartbeatStop.Token);
        var (stdout, stderr) = (Console.Out, Console.Error);
        using var console = new TaskLogTextWriter(new TaskLogger(sink, timeProvider, key.TaskId));
        TaskRunResult result;
        try
        {
            // One task at a time runs in this process, so its console output can go to its log.
            Console.SetOut(console);
            Console.SetError(console);
            result = await new TaskRunner(timeProvider).RunAsync(
                new TaskRunRequest(task, settings, context, request.TryNumber, new DatabaseXComStore(database, timeProvider), variables, connections, sink),
                cancellationToken);
        }
        finally
        {
            await console.FlushAsync(CancellationToken.None);
            Console.SetOut(stdout);
            Console.SetError(stderr);
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }

        var reply = await FinishAsync(key, request.TryNumber, settings, run, result.State, result.RetryAllowed, cancellationToken);
        return reply with { Exiting = result.ProcessUnsafe, Error = result.Error };
    }

    private async Task<WorkerReply> FinishAsync(
        TaskInstanceKey key,
        int tryNumber,
        Core.Serialization.SerializedTask settings,
        DagRunRecord run,
        TaskInstanceState state,
        bool retryAllowed,
        CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (state == TaskInstanceState.Failed && retryAllowed && RetryPolicy.CanRetry(settings, tryNumber))
        {
            var delay = RetryPolicy.NextRetryDelay(settings, key.DagId, Micros.To(run.LogicalDate), tryNumber, maxRetryDelay);
            await _tasks.FinishAsync(key, tryNumber, "up_for_retry", now, now + delay, null, cancellationToken);
            return new WorkerReply("up_for_retry", Exiting: false);
        }

        await _tasks.FinishAsync(key, tryNumber, state.ToWireName(), now, null, null, cancellationToken);
        return new WorkerReply(state.ToWireName(), Exiting: false);
    }

    private async Task HeartbeatAsync(TaskInstanceKey key, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                await Task.Delay(heartbeatInterval, timeProvider, cancellationToken);
                await _tasks.HeartbeatAsync(key, timeProvider.GetUtcNow(), cancellationToken);
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
