using System.Text.Json.Nodes;

namespace Updraft.Providers;

/// <summary>An HTTP answer, read whole: what response checks and filters receive.</summary>
public sealed record HttpResponseData(int StatusCode, string ReasonPhrase, IReadOnlyDictionary<string, string> Headers, string Text)
{
    public bool IsSuccess => StatusCode is >= 200 and < 400;

    /// <summary>The body read as JSON; null when it is not JSON.</summary>
    public JsonNode? Json()
    {
        try
        {
            return JsonNode.Parse(Text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
