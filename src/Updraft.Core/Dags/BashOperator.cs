using Updraft.Core.Runtime;
using System.Diagnostics;
using System.Globalization;

namespace Updraft.Core.Dags;

/// <summary>
/// Runs a command with <c>bash -c</c>. The command, environment values and working directory are
/// templates. Exit code 99 (<see cref="SkipOnExitCode"/>) skips the task, any other non-zero exit fails it;
/// the last line written to standard output is the task's result.
/// </summary>
public sealed class BashOperator : Operator
{
    public BashOperator(Dag dag, string taskId, string command, string? file = null, int line = 0)
        : base(dag, taskId, file, line)
    {
        ArgumentNullException.ThrowIfNull(command);
        Command = command;
    }

    public string Command { get; }

    /// <summary>Environment for the command; replaces the inherited one unless <see cref="AppendEnv"/> is set.</summary>
    public Dictionary<string, string>? Env { get; set; }

    public bool AppendEnv { get; set; }

    public string? Cwd { get; set; }

    public int? SkipOnExitCode { get; set; } = 99;

    public override IEnumerable<KeyValuePair<string, string>> GetTemplateFields()
    {
        yield return new("bash_command", Command);
        if (Cwd is not null)
        {
            yield return new("cwd", Cwd);
        }

        foreach (var (name, value) in Env ?? [])
        {
            yield return new($"env.{name}", value);
        }
    }

    public override Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var env = context.Rendered.Where(f => f.Key.StartsWith("env.", StringComparison.Ordinal))
            .ToDictionary(f => f.Key["env.".Length..], f => f.Value, StringComparer.Ordinal);
        return RunAsync(
            context,
            context.Rendered.GetValueOrDefault("bash_command") ?? Command,
            env,
            clearEnvironment: Env is not null && !AppendEnv,
            context.Rendered.GetValueOrDefault("cwd"),
            SkipOnExitCode);
    }

    /// <summary>
    /// Runs <paramref name="command"/> with <c>bash -c</c> for a task: its lines to the task's log, the last line of
    /// standard output as the result, exit code <paramref name="skipOnExitCode"/> skipping and any other non-zero one failing.
    /// </summary>
    internal static async Task<object?> RunAsync(TaskContext context, string command, IReadOnlyDictionary<string, string> env, bool clearEnvironment, string? cwd, int? skipOnExitCode)
    {
        var start = new ProcessStartInfo("bash")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = cwd ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        if (clearEnvironment)
        {
            start.Environment.Clear();
        }

        foreach (var (name, value) in env)
        {
            start.Environment[name] = value;
        }

        foreach (var (name, value) in context.ContextEnvironment())
        {
            start.Environment[name] = value;
        }

        context.Log.Info($"Running command: {command}");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start bash.");
        process.StandardInput.Close();
        string? lastLine = null;
        var stdout = PumpAsync(process.StandardOutput, line =>
        {
            lastLine = line;
            context.Log.Info(line);
        });
        var stderr = PumpAsync(process.StandardError, context.Log.Info);
        try
        {
            await process.WaitForExitAsync(context.CancellationToken);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        await Task.WhenAll(stdout, stderr);
        context.Log.Info($"Command exited with return code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}");
        if (skipOnExitCode is { } skip && process.ExitCode == skip)
        {
            throw new TaskSkippedException($"Bash command returned exit code {skip}. Skipping.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"Bash command failed. The command returned a non-zero exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}.");
        }

        return lastLine;
    }

    private static async Task PumpAsync(StreamReader reader, Action<string> onLine)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            onLine(line);
        }
    }
}
