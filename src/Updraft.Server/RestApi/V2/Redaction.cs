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
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException)
        {
            // Not a JSON object (or one with a key twice): it could hold anything, so it is not shown.
        }

        return Mask;
    }

    /// <summary>
    /// An extra written back after being read through the API: where it holds the mask, the stored value is kept, so a
    /// client that sends back what it read does not overwrite secrets with "***".
    /// </summary>
    public static string? KeepMaskedSecrets(string? wanted, string? stored)
    {
        if (wanted is null || stored is null || !wanted.Contains(Mask, StringComparison.Ordinal))
        {
            return wanted;
        }

        try
        {
            if (JsonNode.Parse(wanted) is JsonObject incoming && JsonNode.Parse(stored) is JsonObject current)
            {
                Restore(incoming, current);
                return incoming.ToJsonString();
            }
        }
        catch (Exception e) when (e is System.Text.Json.JsonException or ArgumentException)
        {
            // Not objects: nothing to merge.
        }

        return wanted == Mask ? stored : wanted;
    }

    private static void Restore(JsonNode incoming, JsonNode current)
    {
        switch (incoming)
        {
            case JsonObject o when current is JsonObject c:
                foreach (var key in o.Select(p => p.Key).ToList())
                {
                    if (o[key] is JsonValue v && v.TryGetValue<string>(out var text) && text == Mask && c[key] is { } kept)
                    {
                        o[key] = kept.DeepClone();
                    }
                    else if (o[key] is { } child && c[key] is { } stored)
                    {
                        Restore(child, stored);
                    }
                }

                break;
            case JsonArray a when current is JsonArray c:
                for (var i = 0; i < a.Count && i < c.Count; i++)
                {
                    if (a[i] is JsonValue v && v.TryGetValue<string>(out var text) && text == Mask && c[i] is { } kept)
                    {
                        a[i] = kept.DeepClone();
                    }
                    else if (a[i] is { } child && c[i] is { } stored)
                    {
                        Restore(child, stored);
                    }
                }

                break;
        }
    }

    private static void Mask_(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject json:
                foreach (var key in json.Select(p => p.Key).ToList())
                {
                    if (IsSensitive(key))
                    {
                        json[key] = Mask;
                    }
                    else
                    {
                        Mask_(json[key]);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Mask_(item);
                }

                break;
        }
    }
}
