using System.Text.Json.Nodes;
using Updraft.Core.Dags;

namespace Updraft.Core.Serialization;

/// <summary>A param as stored in a serialized DAG: its default and its JSON-Schema-like rules.</summary>
public sealed record SerializedParam
{
    public JsonNode? Default { get; init; }

    public bool HasDefault { get; init; }

    public ParamType Type { get; init; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }

    public string? Pattern { get; init; }

    public JsonArray? Enum { get; init; }

    public bool Nullable { get; init; }

    public static SerializedParam From(Param param)
    {
        ArgumentNullException.ThrowIfNull(param);
        return new SerializedParam
        {
            Default = param.Default?.DeepClone(),
            HasDefault = param.HasDefault,
            Type = param.Type,
            Title = param.Title,
            Description = param.Description,
            Minimum = param.Minimum,
            Maximum = param.Maximum,
            MinLength = param.MinLength,
            MaxLength = param.MaxLength,
            Pattern = param.Pattern,
            Enum = param.Enum is null ? null : new JsonArray([.. param.Enum.Select(e => System.Text.Json.JsonSerializer.SerializeToNode(e, e.GetType()))]),
            Nullable = param.Nullable,
        };
    }

    /// <summary>The param again, for validating a run's conf without the DAG's code.</summary>
    public Param ToParam() => new Param(Default, HasDefault, Type)
    {
        Title = Title,
        Description = Description,
        Minimum = Minimum,
        Maximum = Maximum,
        MinLength = MinLength,
        MaxLength = MaxLength,
        Pattern = Pattern,
        Enum = Enum?.Select(e => (object)e!.DeepClone()).ToList(),
        Nullable = Nullable,
    };
}
