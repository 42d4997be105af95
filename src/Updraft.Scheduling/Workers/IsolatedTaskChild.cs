using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Connections;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Dags.Loading;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// Inside <c>updraft task-process</c>: reads one <see cref="IsolatedTaskRequest"/>, loads its DAG code, runs the task
/// with XCom, variables and connections asked of the parent over the pipes and its log lines (and console output)
/// sent back, and ends with a <c>done</c> line: the result as JSON, or how the task ended.
/// </summary>
public static class IsolatedTaskChild
{
    public static async Task<int> RunAsync(TextReader input, TextWriter output, DagBagLoader loader, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        ArgumentNullException.ThrowIfNull(loader);
        var line = await input.ReadLineAsync(cancellationToken) ?? throw new InvalidDataException("No task to run.");
        var request = JsonSerializer.Deserialize<IsolatedTaskRequest>(line, WorkerProcessHost.Json) ?? throw new InvalidDataException("An empty task request.");
        using var parent = new Parent(input, output);
        var bag = loader.LoadCode(request.Code, request.Shared);
        if (!bag.Dags.TryGetValue(request.DagId, out var loaded) || !loaded.Dag.TryGetTask(request.TaskId, out var task))
        {
            var why = bag.ImportErrors.Count > 0 ? bag.ImportErrors[0].ToString() : $"{request.Code.Fileloc} does not define {request.DagId}.{request.TaskId}";
            parent.Send(new IsolatedTaskMessage("done") { Outcome = "error", Message = $"Cannot load the task in its process: {why}" });
            return 1;
        }

        var log = new TaskLogger(parent, TimeProvider.System, request.TaskId);
        var run = new DagRunContext(request.DagId, request.RunId, RunIds.ParseType(request.RunType), request.LogicalDate, new Core.Timetables.DataInterval(request.DataIntervalStart, request.DataIntervalEnd))
        {
            Conf = request.Conf,
            Params = loaded.Dag.Params.Resolve(request.Conf),
        };
        var context = new TaskContext
        {
            DagRun = run,
            Task = task,
            TryNumber = request.TryNumber,
            MapIndex = request.MapIndex,
            MaxTries = request.MaxTries,
            Log = log,
            XComStore = parent,
            Variables = parent,
            Connections = parent,
            CancellationToken = cancellationToken,
            Rendered = request.Rendered,
        };

        using var console = new TaskLogTextWriter(log);
        Console.SetOut(console);
        Console.SetError(console);
        IsolatedTaskMessage done;
        try
        {
            var result = await task.ExecuteAsync(context);
            done = new IsolatedTaskMessage("done") { Outcome = "success", Result = result is null ? null : XComJson.Serialize(result) };
        }
        catch (TaskSkippedException e)
        {
            done = new IsolatedTaskMessage("done") { Outcome = "skipped", Message = e.Message };
        }
        catch (TaskFailedException e)
        {
            done = new IsolatedTaskMessage("done") { Outcome = "failed", Message = e.Message };
        }
        catch (Core.Triggers.TaskDeferredException e)
        {
            // Its resume would run in another process than the one its deferral came from: refused, not retried.
            var refused = $"Task '{task.TaskId}' is isolated and cannot defer itself ({e.Message}); run it without Isolated to defer.";
            log.Error(refused);
            done = new IsolatedTaskMessage("done") { Outcome = "failed", Message = refused };
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            // User code may throw anything: the parent fails the try with it (retried as any failure).
            log.Error($"Task failed with exception: {e}");
            done = new IsolatedTaskMessage("done") { Outcome = "error", Message = $"{e.GetType().Name}: {e.Message}" };
        }

        await console.FlushAsync(CancellationToken.None);
        parent.Send(done with { Skip = [.. context.DownstreamToSkip] });
        return 0;
    }


    /// <summary>The parent process, as the task's stores and log sink: one line out per question or log line.</summary>
    private sealed class Parent : IXComStore, IVariableStore, IConnectionStore, ITaskLogSink, IDisposable
    {
        private readonly TextWriter _output;
        private readonly System.Threading.Channels.Channel<string> _answers = System.Threading.Channels.Channel.CreateUnbounded<string>();

        /// <summary>
        /// Answers are read by one loop for the whole life of the process: when the input ends, the process that
        /// started this one is gone (killed, crashed), and this one exits rather than run on unseen.
        /// </summary>
        public Parent(TextReader input, TextWriter output)
        {
            _output = output;
            _ = Task.Run(async () =>
            {
                while (await input.ReadLineAsync() is { } line)
                {
                    await _answers.Writer.WriteAsync(line);
                }

                await Console.Error.WriteLineAsync("task-process: the worker closed the pipe; exiting.");
                Environment.Exit(ProcessTree.LostTryExitCode);
            });
        }

        // Lines are written synchronously under one lock: log lines come from task code on any thread, often inside
        // the console writer's own lock, where blocking on an asynchronous write could deadlock.
        private readonly Lock _write = new();
        private readonly SemaphoreSlim _ask = new(1, 1);

        public void Dispose() => _ask.Dispose();

        public void Write(DateTimeOffset timestamp, TaskLogLevel level, string source, string message) =>
            Send(new IsolatedTaskMessage("log") { Level = level.ToString(), Source = source, Message = message });

        public async Task SetAsync(XComKey key, string json, CancellationToken cancellationToken = default) =>
            await AskAsync(new IsolatedTaskMessage("xcom_set") { XCom = key, Value = JsonValue.Create(json) }, cancellationToken);

        async Task<string?> IXComStore.GetAsync(XComKey key, CancellationToken cancellationToken) =>
            (string?)await AskAsync(new IsolatedTaskMessage("xcom_get") { XCom = key }, cancellationToken);

        async Task<IReadOnlyList<string>> IXComStore.GetMappedAsync(string dagId, string runId, string taskId, string key, CancellationToken cancellationToken) =>
            (await AskAsync(new IsolatedTaskMessage("xcom_mapped") { XCom = new XComKey(dagId, runId, taskId, -1, key) }, cancellationToken)).Deserialize<string[]>() ?? [];

        async Task<string?> IVariableStore.GetAsync(string key, CancellationToken cancellationToken) =>
            (string?)await AskAsync(new IsolatedTaskMessage("variable") { Key = key }, cancellationToken);

        async Task<Connection?> IConnectionStore.GetAsync(string connId, CancellationToken cancellationToken) =>
            await AskAsync(new IsolatedTaskMessage("connection") { Key = connId }, cancellationToken) is JsonObject json ? Connection.FromJson(connId, json.ToJsonString()) : null;

        public void Send(IsolatedTaskMessage message)
        {
            var line = JsonSerializer.Serialize(message, WorkerProcessHost.Json);
            lock (_write)
            {
                _output.WriteLine(line);
                _output.Flush();
            }
        }

        private async Task<JsonNode?> AskAsync(IsolatedTaskMessage question, CancellationToken cancellationToken)
        {
            await _ask.WaitAsync(cancellationToken);
            try
            {
                Send(question);
                var line = await _answers.Reader.ReadAsync(cancellationToken);
                return JsonSerializer.Deserialize<IsolatedTaskMessage>(line, WorkerProcessHost.Json)?.Value;
            }
            finally
            {
                _ask.Release();
            }
        }
    }
}
