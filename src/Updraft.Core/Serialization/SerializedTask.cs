using Updraft.Core.Dags;
using Updraft.Core.TriggerRules;

namespace Updraft.Core.Serialization;

/// <summary>A task as stored in a serialized DAG, with every default already applied.</summary>
public sealed record SerializedTask
{
    public required string TaskId { get; init; }

    /// <summary>The operator's type name, such as <c>BashOperator</c>.</summary>
    public required string Operator { get; init; }

    public IReadOnlyList<string> UpstreamTaskIds { get; init; } = [];

    public IReadOnlyList<string> DownstreamTaskIds { get; init; } = [];

    public TriggerRule TriggerRule { get; init; }

    public string Owner { get; init; } = "updraft";

    public int Retries { get; init; }

    public TimeSpan RetryDelay { get; init; }

    public bool RetryExponentialBackoff { get; init; }

    public TimeSpan? MaxRetryDelay { get; init; }

    public TimeSpan? ExecutionTimeout { get; init; }

    public string Pool { get; init; } = "default_pool";

    public int PoolSlots { get; init; } = 1;

    public int PriorityWeight { get; init; } = 1;

    public WeightRule WeightRule { get; init; }

    /// <summary>The effective priority after applying <see cref="WeightRule"/>.</summary>
    public int PriorityWeightTotal { get; init; } = 1;

    public string Queue { get; init; } = "default";

    public string? Executor { get; init; }

    public int? MaxActiveTisPerDag { get; init; }

    public bool DoXComPush { get; init; } = true;

    public bool IsSetup { get; init; }

    public bool IsTeardown { get; init; }

    public bool OnFailureFailDagRun { get; init; }

    public string? DocMd { get; init; }

    /// <summary>The unrendered templated fields, by name.</summary>
    public IReadOnlyDictionary<string, string> TemplateFields { get; init; } = new Dictionary<string, string>();

    /// <summary>The upstream tasks whose results a callable task takes as arguments, in order.</summary>
    public IReadOnlyList<string> InputTaskIds { get; init; } = [];

    /// <summary>The .NET type name a callable task returns, for display.</summary>
    public string? ResultType { get; init; }

    /// <summary>Whether the task is expanded at run time into one instance per element of its input.</summary>
    public bool IsMapped { get; init; }

    /// <summary>For a mapped task: the lists it expands over.</summary>
    public IReadOnlyList<SerializedMapInput> MapInputs { get; init; } = [];

    /// <summary>For a mapped task: how its lists combine (single, product, zip).</summary>
    public Dags.MapMode MapMode { get; init; }

    /// <summary>For a mapped task: <c>[core] max_map_length</c> when it was parsed.</summary>
    public int MaxMapLength { get; init; }

    /// <summary>For a task whose result a mapped task expands over: the longest list it may return (else null).</summary>
    public int? MappedResultLimit { get; init; }

    /// <summary>
    /// For a task of a mapped task group: the group's id. Its instance <c>i</c> depends only on instance <c>i</c> of its
    /// upstream tasks in the same group, and it expands together with them.
    /// </summary>
    public string? MapGroupId { get; init; }

    /// <summary>For a sensor: <c>poke</c> or <c>reschedule</c>; null for other tasks.</summary>
    public string? SensorMode { get; init; }

    /// <summary>The innermost task group the task is in, or null at the DAG's top level.</summary>
    public string? TaskGroupId { get; init; }

    public int Line { get; init; }

    /// <summary>The assets a success of the task updates (an event is recorded for each); null when none.</summary>
    public IReadOnlyList<SerializedAsset>? Outlets { get; init; }

    /// <summary>The asset aliases a success of the task adds assets to (an event recorded for each asset added); null when none.</summary>
    public IReadOnlyList<SerializedAssetAlias>? OutletAliases { get; init; }
}

/// <summary>An asset as stored in a serialized DAG.</summary>
public sealed record SerializedAsset(string Name, string Uri, string Group)
{
    public static SerializedAsset From(Assets.Asset asset)
    {
        ArgumentNullException.ThrowIfNull(asset);
        return new(asset.Name, asset.Uri, asset.Group);
    }
}

/// <summary>An asset alias as stored.</summary>
public sealed record SerializedAssetAlias(string Name, string Group)
{
    public static SerializedAssetAlias From(Assets.AssetAlias alias)
    {
        ArgumentNullException.ThrowIfNull(alias);
        return new(alias.Name, alias.Group);
    }
}

/// <summary>An asset watcher as stored: the asset, the watcher's name, and its trigger (type and JSON arguments).</summary>
public sealed record SerializedAssetWatcher(string Asset, string Name, string Classpath, string Kwargs);
