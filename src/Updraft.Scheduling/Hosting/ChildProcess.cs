using System.Diagnostics;
using Updraft.Scheduling.Executors;

namespace Updraft.Scheduling.Hosting;

/// <summary>
/// A child process of this installation that talks in JSON lines (a worker, a DAG-file parser): its pipes, one
/// writer at a time, and why it died (exit code, signal, the last lines it wrote to standard error).
/// </summary>
internal sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Queue<string> _lastErrors = new();
    private readonly Task _stderr;
    private readonly SemaphoreSlim _write = new(1, 1);

    private ChildProcess(Process process)
    {
        _process = process;
        _stderr = DrainErrorsAsync();
    }

    public bool HasExited => _process.HasExited;

    public int Id => _process.Id;

    public static ChildProcess Start(WorkerCommand command)
    {
        ArgumentNullException.ThrowIfNull(command);
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

        return new ChildProcess(Process.Start(start) ?? throw new InvalidOperationException($"Could not start {command.FileName}."));
    }

    /// <summary>Writes one line; callers on several threads take turns.</summary>
    public async Task WriteLineAsync(string line, CancellationToken cancellationToken)
    {
        await _write.WaitAsync(cancellationToken);
        try
        {
            await _process.StandardInput.WriteLineAsync(line.AsMemory(), cancellationToken);
            await _process.StandardInput.FlushAsync(cancellationToken);
        }
        finally
        {
            _write.Release();
        }
    }

    /// <summary>The next line it wrote, or null once its output ended.</summary>
    public ValueTask<string?> ReadLineAsync(CancellationToken cancellationToken) => _process.StandardOutput.ReadLineAsync(cancellationToken);

    /// <summary>Why the process ended: its exit code and the last lines it wrote to standard error.</summary>
    public async Task<string> DescribeExitAsync(string what, string when = "")
    {
        await _process.WaitForExitAsync();
        await _stderr;
        var code = _process.ExitCode;
        var detail = _lastErrors.Count > 0 ? ": " + string.Join(" | ", _lastErrors) : "";
        return $"the {what} process exited with code {code}{Signal(code)}{when}{detail}";
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had exited already.
        }
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
                Kill();
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
