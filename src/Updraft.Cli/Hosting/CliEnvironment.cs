namespace Updraft.Cli.Hosting;

/// <summary>What a CLI invocation sees of the outside world: environment variables, output streams, the clock.</summary>
public sealed record CliEnvironment(IReadOnlyDictionary<string, string> Variables, TextWriter Out, TextWriter Error, TimeProvider Time)
{
    public static CliEnvironment FromProcess() => new(
        Environment.GetEnvironmentVariables().Cast<System.Collections.DictionaryEntry>()
            .ToDictionary(e => (string)e.Key, e => (string?)e.Value ?? "", StringComparer.Ordinal),
        Console.Out,
        Console.Error,
        TimeProvider.System);
}
