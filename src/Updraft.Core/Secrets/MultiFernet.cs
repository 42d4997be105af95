namespace Updraft.Core.Secrets;

/// <summary>
/// Several Fernet keys, as <c>[core] fernet_key</c> lists them comma-separated: the first encrypts, any decrypts,
/// and <see cref="Rotate"/> re-encrypts a token with the first.
/// </summary>
public sealed class MultiFernet
{
    private readonly Fernet[] _keys;

    public MultiFernet(string keys)
    {
        ArgumentNullException.ThrowIfNull(keys);
        _keys = keys.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(k => new Fernet(k)).ToArray();
        if (_keys.Length == 0)
        {
            throw new ArgumentException("[core] fernet_key is empty; set it to one or more Fernet keys.", nameof(keys));
        }
    }

    public string Encrypt(string plaintext, DateTimeOffset now) => _keys[0].Encrypt(plaintext, now);

    public string Decrypt(string token, DateTimeOffset now)
    {
        foreach (var key in _keys)
        {
            try
            {
                return key.Decrypt(token, now);
            }
            catch (InvalidTokenException)
            {
                // Try the next key.
            }
        }

        throw new InvalidTokenException("The value cannot be decrypted with any key in [core] fernet_key; was the key changed without rotation?");
    }

    /// <summary>The same value, encrypted with the first key.</summary>
    public string Rotate(string token, DateTimeOffset now) => Encrypt(Decrypt(token, now), now);
}
