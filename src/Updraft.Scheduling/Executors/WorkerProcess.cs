using System.Diagnostics;
using System.Text.Json;
using Updraft.Execution.Api;
using Updraft.Scheduling.Workers;

namespace Updraft.Scheduling.Executors;

/// <summary>One worker child process and its pipes; knows whether it is still alive and why it died.</summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastErrors = new();
    private readonly Task _stderr;
    private readonly SemaphoreSlim _write = new(1, 1);

    private WorkerProcess(Process process)
    {
        _process = process;
        _stderr = DrainErrorsAsync();
    }

    public bool HasExited => _process.HasExited;

    /// <summary>The DAGs this worker said it has loaded.</summary>
    public IReadOnlyCollection<string> LoadedDagIds { get; private set; } = [];

    public static WorkerProcess Start(WorkerCommand command)
    {
        var start = new ProcessStartInfo(command.FileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in command.Arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in command.Environment)
        {
            start.Environment[name] = value;
        }

        return new WorkerProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start the worker {command.FileName}."));
    }

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
            while (await _process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
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

    private async Task SendAsync(PipeMessage message, CancellationToken cancellationToken)
    {
        await _write.WaitAsync(cancellationToken);
        try
        {
            await _process.StandardInput.WriteLineAsync(JsonSerializer.Serialize(message, WorkerProcessHost.Json).AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>Why the process ended: its exit code and the last lines it wrote to standard error.</summary>
    public async Task<string> DescribeExitAsync()
    {
        await _process.WaitForExitAsync();
        await _stderr;
        var code = _process.ExitCode;
        var detail = _lastErrors.Count > 0 ? ": " + string.Join(" | ", _lastErrors) : "";
        return $"the task's process exited with code {code}{Signal(code)} before the task finished{detail}";
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.StandardInput.Close();
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _process.Dispose();
        _write.Dispose();
    }

    private async Task DrainErrorsAsync()
    {
        while (await _process.StandardError.ReadLineAsync() is { } line)
        {
            lock (_lastErrors)
            {
                _lastErrors.Enqueue(line.Length > 300 ? line[..300] : line);
                if (_lastErrors.Count > 5)
                {
                    _lastErrors.Dequeue();
                }
            }
        }
    }

    private static string Signal(int code) => code switch
    {
        Workers.ProcessTree.LostTryExitCode => " (stopped: the try no longer owned its task instance)",
        134 => " (aborted: SIGABRT, as on a stack overflow)",
        137 => " (killed: SIGKILL, as by the out-of-memory killer)",
        139 => " (segmentation fault)",
        _ => "",
    };
}
