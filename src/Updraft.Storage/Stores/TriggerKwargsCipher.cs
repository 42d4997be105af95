using Updraft.Core.Secrets;

namespace Updraft.Storage.Stores;

/// <summary>
/// The arguments of stored triggers (<c>triggers.kwargs</c>) at rest, as Airflow 2.9+ keeps them: a Fernet token under
/// <c>[core] fernet_key</c>. A row written before encryption holds the plain JSON object; it is read as it is (a Fernet
/// token never starts with <c>{</c>), and <c>updraft rotate-fernet-key</c> encrypts it.
/// </summary>
public sealed class TriggerKwargsCipher(MultiFernet fernet, TimeProvider timeProvider)
{
    /// <summary>The stored form of <paramref name="kwargs"/> (a JSON object): a Fernet token under the first key.</summary>
    public string Encrypt(string kwargs)
    {
        ArgumentNullException.ThrowIfNull(kwargs);
        return fernet.Encrypt(kwargs, timeProvider.GetUtcNow());
    }

    /// <summary>The JSON arguments of a stored row: the token decrypted with any key, or a plain row as it is.</summary>
    public string Decrypt(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        return IsPlain(stored) ? stored : fernet.Decrypt(stored, timeProvider.GetUtcNow());
    }

    /// <summary>As <see cref="Decrypt"/>, or null when no key of <c>[core] fernet_key</c> decrypts the row.</summary>
    public string? TryDecrypt(string stored)
    {
        try
        {
            return Decrypt(stored);
        }
        catch (InvalidTokenException)
        {
            return null;
        }
    }

    /// <summary>A stored row re-encrypted with the first key (a plain row encrypted).</summary>
    public string Rotate(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var now = timeProvider.GetUtcNow();
        return IsPlain(stored) ? fernet.Encrypt(stored, now) : fernet.Rotate(stored, now);
    }

    /// <summary>Whether a stored row is plain JSON, written before trigger arguments were encrypted.</summary>
    internal static bool IsPlain(string stored) => stored.AsSpan().TrimStart().StartsWith("{", StringComparison.Ordinal);
}
