using System.Text.Json;
using System.Text.Json.Serialization;

namespace Updraft.Server.RestApi;

/// <summary>The REST API's JSON: snake_case names, nulls written (Airflow's responses carry them), strict reading.</summary>
public static class ApiJson
{
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            TypeInfoResolver = new System.Text.Json.Serialization.Metadata.DefaultJsonTypeInfoResolver(),

            // Responses are JSON for API clients, never embedded in HTML: "+00:00" stays "+00:00", not "\u002B00:00".
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DictionaryKeyPolicy = null,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            NumberHandling = JsonNumberHandling.Strict,
        };

        // Read-only before first use: body binding reads type metadata before anything is serialized.
        options.MakeReadOnly();
        return options;
    }
}
