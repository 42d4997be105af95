using Updraft.Core.Dags;
using Updraft.Dags.Discovery;

namespace Updraft.Dags.Loading;

/// <summary>How DAG files are found, compiled and loaded.</summary>
public sealed record DagBagOptions
{
    /// <summary>Where compiled DAG files are cached between processes; null compiles every time.</summary>
    public string? CacheDirectory { get; init; }

    public DagDefaults Defaults { get; init; } = new();

    /// <summary>How long one file may take to build its DAGs (<c>[core] dagbag_import_timeout</c>).</summary>
    public TimeSpan ImportTimeout { get; init; } = TimeSpan.FromSeconds(30);

    public IgnoreSyntax IgnoreSyntax { get; init; } = IgnoreSyntax.Regexp;

    /// <summary>How many files are compiled and loaded at once.</summary>
    public int MaxParallelism { get; init; } = Environment.ProcessorCount;
}
