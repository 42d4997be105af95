namespace Updraft.Cli.Hosting;

/// <summary>A user error the CLI reports as one line on standard error with a non-zero exit code.</summary>
public sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
