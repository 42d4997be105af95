using System.Collections.Concurrent;

namespace Updraft.Core.Runtime;

/// <summary>
/// Replaces known secret values with <c>***</c> in log lines: connection passwords, and values of variables
/// whose names look secret. Secrets are registered as a task reads them.
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
        if (secret is { Length: >= 3 })
        {
            _secrets.TryAdd(secret, 0);
        }
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
