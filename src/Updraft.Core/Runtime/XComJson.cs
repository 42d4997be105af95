using System.Text.Json;
using System.Text.Json.Serialization;

namespace Updraft.Core.Runtime;

/// <summary>The one JSON form of XCom values, shared by every writer and reader.</summary>
public static class XComJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        WriteIndented = false,
    };

    public static string Serialize(object? value) => JsonSerializer.Serialize(value, value?.GetType() ?? typeof(object), Options);

    public static object? Deserialize(string json, Type type) => JsonSerializer.Deserialize(json, type, Options);
}
