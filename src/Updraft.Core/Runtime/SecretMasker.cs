using System.Collections.Concurrent;

namespace Updraft.Core.Runtime;

/// <summary>
/// Replaces known secret values with <c>***</c> in log lines: connection passwords, and values of variables
/// whose names look secret. Secrets are registered as a task reads them. Each secret is masked in its plain form and
/// in the encodings a task is likely to print it in: URL-encoded (as in a connection URI, with <c>%20</c> or
/// <c>+</c> for spaces, upper- or lower-case hex), JSON-escaped (inside a JSON document) and base64 (standard and
/// URL-safe, with or without padding) — as Airflow's masker also masks a secret's variants.
/// </summary>
public sealed class SecretMasker
{
    private static readonly string[] SensitiveNameParts =
        ["access_token", "api_key", "apikey", "authorization", "passphrase", "passwd", "password", "private_key", "secret", "token", "key", "credential"];

    private readonly ConcurrentDictionary<string, byte> _secrets = new(StringComparer.Ordinal);

    /// <summary>Whether a variable or field with this name holds a secret.</summary>
    public static bool IsSensitiveName(string name) =>
        SensitiveNameParts.Any(part => name.Contains(part, StringComparison.OrdinalIgnoreCase));

    public void Add(string? secret)
    {
        // Very short values would mask ordinary words and digits all over the log.
        if (secret is not { Length: >= 3 })
        {
            return;
        }

        foreach (var form in Forms(secret))
        {
            if (form.Length >= 3)
            {
                _secrets.TryAdd(form, 0);
            }
        }
    }

    /// <summary>The secret and its common encodings.</summary>
    internal static IEnumerable<string> Forms(string secret)
    {
        yield return secret;
        var url = Uri.EscapeDataString(secret);
        yield return url;
        yield return url.Replace("%20", "+", StringComparison.Ordinal);
        yield return System.Net.WebUtility.UrlEncode(secret);
        yield return LowerHex(url);

        // JSON-escaped: the default encoder (which also escapes non-ASCII, < > & ' +) and the relaxed one.
        yield return System.Text.Json.JsonSerializer.Serialize(secret)[1..^1];
        yield return System.Text.Json.JsonSerializer.Serialize(secret, RelaxedJson)[1..^1];

        var base64 = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret));
        yield return base64;
        yield return base64.TrimEnd('=');
        yield return base64.TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    private static readonly System.Text.Json.JsonSerializerOptions RelaxedJson =
        new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string LowerHex(string escaped)
    {
        var chars = escaped.ToCharArray();
        for (var i = 0; i + 2 < chars.Length; i++)
        {
            if (chars[i] == '%')
            {
                chars[i + 1] = char.ToLowerInvariant(chars[i + 1]);
                chars[i + 2] = char.ToLowerInvariant(chars[i + 2]);
            }
        }

        return new string(chars);
    }

    public string Mask(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (var secret in _secrets.Keys.OrderByDescending(s => s.Length))
        {
            text = text.Replace(secret, "***", StringComparison.Ordinal);
        }

        return text;
    }
}
