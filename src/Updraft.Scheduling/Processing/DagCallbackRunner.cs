using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Updraft.Core.Runtime;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Hosting;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Processing;

/// <summary>
/// Runs the DAG callbacks the scheduler asked for when runs ended (Airflow's DAG processor does the same with its
/// callback requests): each in a fresh DAG-file child process (<c>updraft dag-file-processor</c>) on the code of the
/// run's own DAG version, so no user code runs in the DAG processor; the child asks this process for the
/// connections and variables it reads (environment, then database) and writes its lines to
/// <c>dag_id=…/run_id=…/dag_callbacks.log</c> under the log folder. A callback that hangs past the timeout is killed.
/// </summary>
public sealed partial class DagCallbackRunner(
    MetadataDatabase database,
    WorkerCommand command,
    IVariableStore variables,
    IConnectionStore connections,
    string logFolder,
    TimeSpan timeout,
    ILogger<DagCallbackRunner> logger)
{
    private readonly CallbackRequestStore _requests = new(database);
    private readonly DagRunStore _runs = new(database);
    private readonly DagStore _dags = new(database);
    private readonly DagCodeStore _code = new(database);

    /// <summary>Where the DAG callbacks of a run write their lines.</summary>
    public static string LogPath(string logFolder, string dagId, string runId) =>
        Path.Combine(logFolder, $"dag_id={dagId}", $"run_id={runId}", "dag_callbacks.log");

    /// <summary>Takes the waiting requests one by one and runs each; returns how many there were.</summary>
    public async Task<int> RunPendingAsync(CancellationToken cancellationToken = default)
    {
        // A cheap read first: the DAG processor asks every second, and most seconds nothing waits.
        if (!await _requests.AnyAsync(cancellationToken))
        {
            return 0;
        }

        var count = 0;
        while (await _requests.TakeOneAsync(cancellationToken) is { } request)
        {
            count++;
            try
            {
                await RunOneAsync(request, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One request's trouble (its child died, the database blinked) must not stop the others.
                CallbackFailed(logger, request.Event, request.DagId, request.RunId, e);
            }
        }

        return count;
    }

    private async Task RunOneAsync(CallbackRequest request, CancellationToken cancellationToken)
    {
        var run = await _runs.GetAsync(request.DagId, request.RunId, cancellationToken);
        var dag = run is null ? null : await _dags.GetSerializedAsync(request.DagId, run.DagVersion, cancellationToken);
        if (run is null || dag is not { Dag: var serialized })
        {
            NothingToRun(logger, request.Event, request.DagId, request.RunId);
            return;
        }

        var code = await _code.GetAsync(serialized.SourceHash, cancellationToken);
        var content = code?.Content ?? (File.Exists(serialized.Fileloc) ? await File.ReadAllBytesAsync(serialized.Fileloc, cancellationToken) : null);
        var logPath = LogPath(logFolder, request.DagId, request.RunId);
        if (content is null)
        {
            await AppendAsync(logPath, $"Cannot run {request.Event}: the code of DAG version {run.DagVersion} is not stored and {serialized.Fileloc} is gone.");
            return;
        }

        var shared = serialized.SharedHash is { } sharedHash ? await _code.GetAsync(sharedHash, cancellationToken) : null;
        if (serialized.SharedHash is not null && shared is null)
        {
            await AppendAsync(logPath, $"Cannot run {request.Event}: the shared code {serialized.SharedHash} of DAG version {run.DagVersion} is not stored.");
            return;
        }

        var work = new DagFileRequest(serialized.Fileloc, content, serialized.SourceHash)
        {
            Shared = shared,
            Callback = new DagCallbackWork(
                request.DagId,
                request.RunId,
                run.RunType,
                Micros.To(run.LogicalDate),
                Micros.To(run.DataIntervalStart),
                Micros.To(run.DataIntervalEnd),
                run.Conf,
                request.Event,
                request.Reason,
                logPath),
        };

        await using var child = ChildProcess.Start(command);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await child.WriteLineAsync(JsonSerializer.Serialize(work, ChildProcessDagFileParser.Json), limit.Token);
            while (await child.ReadLineAsync(limit.Token) is { } line)
            {
                var message = JsonSerializer.Deserialize<DagCallbackMessage>(line, ChildProcessDagFileParser.Json) ?? throw new InvalidDataException("Empty message from a DAG callback process.");
                if (message.Type == "done")
                {
                    CallbackRan(logger, request.Event, request.DagId, request.RunId, message.Failed, message.Error);
                    return;
                }

                JsonNode? value = message.Type switch
                {
                    "connection" => (await connections.GetAsync(message.Key ?? "", limit.Token))?.ToJson(),
                    "variable" => await variables.GetAsync(message.Key ?? "", limit.Token) is { } v ? JsonValue.Create(v) : null,
                    _ => null,
                };
                await child.WriteLineAsync(JsonSerializer.Serialize(new DagCallbackMessage("result") { Key = message.Key, Value = value }, ChildProcessDagFileParser.Json), limit.Token);
            }

            var why = await child.DescribeExitAsync("DAG callback", " while running the callback");
            await AppendAsync(logPath, $"{request.Event} stopped the process running it: {why}.");
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            child.Kill();
            await AppendAsync(logPath, $"{request.Event} took longer than {timeout.TotalSeconds:0} s; the process running it was stopped.");
        }
    }

    private static async Task AppendAsync(string path, string message)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await File.AppendAllTextAsync(path, $"[{TimeProvider.System.GetUtcNow():yyyy-MM-dd'T'HH:mm:ss.fff}+0000] {{dag_processor}} ERROR - {message}\n");
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Ran {Event} of {DagId} for run {RunId}: {Failed} callbacks failed; {Error}")]
    private static partial void CallbackRan(ILogger logger, string @event, string dagId, string runId, int failed, string? error);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Nothing to run for {Event} of {DagId} run {RunId}: the run or its DAG version is gone")]
    private static partial void NothingToRun(ILogger logger, string @event, string dagId, string runId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Running {Event} of {DagId} for run {RunId} failed")]
    private static partial void CallbackFailed(ILogger logger, string @event, string dagId, string runId, Exception exception);
}
