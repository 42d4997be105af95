using System.Text.Json;
using Updraft.Execution.Api;
using Updraft.Scheduling.Hosting;
using Updraft.Scheduling.Workers;

namespace Updraft.Scheduling.Executors;

/// <summary>One worker child process: runs a try at a time, answering its execution API calls, and knows why it died.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly ChildProcess _process;

    private WorkerProcess(ChildProcess process) => _process = process;

    public bool HasExited => _process.HasExited;

    /// <summary>The DAGs this worker said it has loaded.</summary>
    public IReadOnlyCollection<string> LoadedDagIds { get; private set; } = [];

    public static WorkerProcess Start(WorkerCommand command) => new(ChildProcess.Start(command));

    /// <summary>
    /// Sends a try to run and answers its execution API calls from <paramref name="api"/> until it replies; null when
    /// the process died first.
    /// </summary>
    public async Task<WorkerReply?> RunAsync(WorkerRequest request, IExecutionApi api, CancellationToken cancellationToken)
    {
        var answering = new List<Task>();
        try
        {
            await SendAsync(new PipeMessage("run") { Request = request }, cancellationToken);
            while (await _process.ReadLineAsync(cancellationToken) is { } line)
            {
                var message = JsonSerializer.Deserialize<PipeMessage>(line, WorkerProcessHost.Json);
                if (message?.Type == "call")
                {
                    // Calls are answered concurrently: a heartbeat must not wait behind a slow XCom read.
                    answering.RemoveAll(t => t.IsCompleted);
                    answering.Add(AnswerAsync(api, message, cancellationToken));
                }
                else if (message?.Type == "done")
                {
                    LoadedDagIds = message.Reply?.LoadedDagIds ?? LoadedDagIds;
                    return message.Reply;
                }
            }

            return null;
        }
        catch (IOException)
        {
            return null;
        }
        finally
        {
            await Task.WhenAll(answering);
        }
    }

    /// <summary>Why the worker died: its exit code and the last lines it wrote to standard error.</summary>
    public async Task<string> DescribeExitAsync() => await _process.DescribeExitAsync("task's", " before the task finished");

    /// <summary>Kills the worker and every process below it (the task's own children too).</summary>
    public void Kill() => _process.Kill();

    public ValueTask DisposeAsync() => _process.DisposeAsync();

    private async Task AnswerAsync(IExecutionApi api, PipeMessage call, CancellationToken cancellationToken)
    {
        var answer = await ExecutionApiDispatcher.AnswerAsync(api, call, cancellationToken);
        try
        {
            await SendAsync(answer, cancellationToken);
        }
        catch (IOException)
        {
            // The worker died meanwhile; RunAsync reports it.
        }
    }

    private Task SendAsync(PipeMessage message, CancellationToken cancellationToken) =>
        _process.WriteLineAsync(JsonSerializer.Serialize(message, WorkerProcessHost.Json), cancellationToken);
}
