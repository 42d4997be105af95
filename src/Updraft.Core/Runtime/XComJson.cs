using System.Text.Encodings.Web;
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

        // Stored as the text it is, as Airflow stores it: the default encoder escapes HTML-sensitive characters and
        // everything outside ASCII ("a+b" became "a\u002Bb"), which is only a defence for JSON pasted into HTML, and
        // this JSON is data (the REST API and the UI read it as JSON and escape what they render).
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Serialize(object? value) => JsonSerializer.Serialize(value, value?.GetType() ?? typeof(object), Options);

    public static object? Deserialize(string json, Type type) => JsonSerializer.Deserialize(json, type, Options);
}
