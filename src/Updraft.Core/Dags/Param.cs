using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Updraft.Core.Dags;

/// <summary>
/// A DAG param: a typed value with a default, overridable by a run's conf and validated with a subset of
/// JSON Schema (type, minimum/maximum, length, pattern, enum), as Airflow's Param does.
/// </summary>
public sealed class Param
{
    public Param(object? defaultValue = null, ParamType type = ParamType.Any)
    {
        HasDefault = defaultValue is not null;
        Default = defaultValue is null ? null : JsonSerializer.SerializeToNode(defaultValue, defaultValue.GetType());
        Type = type == ParamType.Any ? Infer(Default) : type;
    }

    internal Param(JsonNode? defaultValue, bool hasDefault, ParamType type)
    {
        Default = defaultValue;
        HasDefault = hasDefault;
        Type = type;
    }

    public JsonNode? Default { get; }

    public bool HasDefault { get; }

    public ParamType Type { get; }

    public string? Title { get; init; }

    public string? Description { get; init; }

    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    public int? MinLength { get; init; }

    public int? MaxLength { get; init; }

    public string? Pattern { get; init; }

    /// <summary>The allowed values, when only some are.</summary>
    public IReadOnlyList<object>? Enum { get; init; }

    /// <summary>Whether JSON null is allowed as a value.</summary>
    public bool Nullable { get; init; }

    public static Param String(string? defaultValue = null) => new(defaultValue, ParamType.String);

    public static Param Integer(long? defaultValue = null) => new(defaultValue, ParamType.Integer);

    public static Param Number(double? defaultValue = null) => new(defaultValue, ParamType.Number);

    public static Param Boolean(bool? defaultValue = null) => new(defaultValue, ParamType.Boolean);

    public static implicit operator Param(string value) => new(value);

    public static implicit operator Param(int value) => new(value);

    public static implicit operator Param(long value) => new(value);

    public static implicit operator Param(double value) => new(value);

    public static implicit operator Param(bool value) => new(value);

    /// <summary>Checks <paramref name="value"/> against the rules; throws <see cref="ParamValidationException"/> naming the param.</summary>
    public void Validate(string name, JsonNode? value)
    {
        var problem = Check(value);
        if (problem is not null)
        {
            throw new ParamValidationException($"Invalid input for param {name}: {problem}");
        }
    }

    private string? Check(JsonNode? value)
    {
        if (value is null)
        {
            return Nullable || Type == ParamType.Any ? null : "None is not allowed; a value is required";
        }

        var kind = value.GetValueKind();
        var typeOk = Type switch
        {
            ParamType.String => kind == JsonValueKind.String,
            ParamType.Integer => kind == JsonValueKind.Number && IsIntegral(value),
            ParamType.Number => kind == JsonValueKind.Number,
            ParamType.Boolean => kind is JsonValueKind.True or JsonValueKind.False,
            ParamType.Array => kind == JsonValueKind.Array,
            ParamType.Object => kind == JsonValueKind.Object,
            _ => true,
        };
        if (!typeOk)
        {
            return $"{value.ToJsonString()} is not of type '{Type.ToString().ToLowerInvariant()}'";
        }

        if (kind == JsonValueKind.Number)
        {
            var number = ToDouble(value);
            if (Minimum is { } min && number < min)
            {
                return $"{value.ToJsonString()} is less than the minimum of {min.ToString(CultureInfo.InvariantCulture)}";
            }

            if (Maximum is { } max && number > max)
            {
                return $"{value.ToJsonString()} is greater than the maximum of {max.ToString(CultureInfo.InvariantCulture)}";
            }
        }

        if (kind == JsonValueKind.String)
        {
            var text = value.GetValue<string>();
            if (MinLength is { } minLength && text.Length < minLength)
            {
                return $"'{text}' is shorter than {minLength} characters";
            }

            if (MaxLength is { } maxLength && text.Length > maxLength)
            {
                return $"'{text}' is longer than {maxLength} characters";
            }

            if (Pattern is not null && !Regex.IsMatch(text, Pattern, RegexOptions.None, TimeSpan.FromSeconds(1)))
            {
                return $"'{text}' does not match '{Pattern}'";
            }
        }

        if (Enum is { Count: > 0 })
        {
            var allowed = Enum.Select(e => JsonSerializer.SerializeToNode(e, e.GetType())).ToList();
            if (!allowed.Any(a => JsonNode.DeepEquals(a, value)))
            {
                return $"{value.ToJsonString()} is not one of [{string.Join(", ", allowed.Select(a => a!.ToJsonString()))}]";
            }
        }

        return null;
    }

    private static bool IsIntegral(JsonNode value) => ToDouble(value) is var d && Math.Floor(d) == d;

    // A JsonValue built from a CLR int will not convert to double; its JSON text always reads.
    private static double ToDouble(JsonNode value) => double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    private static ParamType Infer(JsonNode? node) => node?.GetValueKind() switch
    {
        JsonValueKind.String => ParamType.String,
        JsonValueKind.Number => IsIntegral(node) ? ParamType.Integer : ParamType.Number,
        JsonValueKind.True or JsonValueKind.False => ParamType.Boolean,
        JsonValueKind.Array => ParamType.Array,
        JsonValueKind.Object => ParamType.Object,
        _ => ParamType.Any,
    };
}
