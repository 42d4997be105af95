using Updraft.Core.Configuration;

namespace Updraft.Scheduling.Executors;

/// <summary>An executor named in <c>[core] executor</c>, with how many tries it runs at once.</summary>
public sealed record ExecutorSettings(string Name, int Slots)
{
    public const string SequentialExecutorName = "SequentialExecutor";

    /// <summary>
    /// The executors of <c>[core] executor</c>, comma-separated, the first the default: LocalExecutor runs
    /// <c>[core] parallelism</c> tries at once, SequentialExecutor one. Each name once; an unknown one is a
    /// <see cref="ConfigException"/>.
    /// </summary>
    public static IReadOnlyList<ExecutorSettings> From(UpdraftConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        var names = config.Get("core", "executor").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            throw new ConfigException("[core] executor names no executor; use LocalExecutor, SequentialExecutor or both (LocalExecutor,SequentialExecutor).");
        }

        var executors = new List<ExecutorSettings>();
        foreach (var name in names)
        {
            if (executors.Any(e => e.Name == name))
            {
                throw new ConfigException($"[core] executor names {name} twice.");
            }

            executors.Add(new(name, name switch
            {
                LocalExecutor.DefaultName => config.GetInt("core", "parallelism"),
                SequentialExecutorName => 1,
                var other => throw new ConfigException($"[core] executor '{other}' is not available; this Updraft has LocalExecutor and SequentialExecutor."),
            }));
        }

        return executors;
    }
}
