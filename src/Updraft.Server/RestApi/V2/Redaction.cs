using System.Text.Json.Nodes;

namespace Updraft.Server.RestApi.V2;

/// <summary>What the API never shows: values of variables and extra fields whose names mark them secret, and passwords (Airflow's sensitive names).</summary>
internal static class Redaction
{
    public const string Mask = "***";

    private static readonly string[] SensitiveNames =
        ["access_token", "api_key", "apikey", "authorization", "passphrase", "passwd", "password", "private_key", "secret", "token", "keyfile_dict", "service_account"];

    public static bool IsSensitive(string name) => SensitiveNames.Any(s => name.Contains(s, StringComparison.OrdinalIgnoreCase));

    /// <summary>A connection's extra with the values of sensitive keys masked; null stays null, text that is not a JSON object is returned masked whole.</summary>
    public static string? Extra(string? extra)
    {
        if (string.IsNullOrEmpty(extra))
        {
            return extra;
        }

        try
        {
            if (JsonNode.Parse(extra) is JsonObject json)
            {
                Mask_(json);
                return json.ToJsonString();
            }
        }
        catch (System.Text.Json.JsonException)
        {
            // Not JSON: it could hold anything, so it is not shown.
        }

        return Mask;
    }

    private static void Mask_(JsonObject json)
    {
        foreach (var key in json.Select(p => p.Key).ToList())
        {
            if (IsSensitive(key))
            {
                json[key] = Mask;
            }
            else if (json[key] is JsonObject inner)
            {
                Mask_(inner);
            }
        }
    }
}
