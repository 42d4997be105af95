using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Updraft.Core.Secrets;

/// <summary>
/// Fernet symmetric encryption as its specification defines it (AES-128-CBC with PKCS7, HMAC-SHA256, version
/// byte 0x80, big-endian seconds timestamp, URL-safe base64), so tokens interoperate with Python's
/// <c>cryptography.fernet</c> and therefore with Airflow's <c>fernet_key</c>.
/// </summary>
public sealed class Fernet
{
    private const byte Version = 0x80;
    private const int HeaderLength = 1 + 8 + 16;
    private const int MacLength = 32;
    private static readonly TimeSpan MaxClockSkew = TimeSpan.FromSeconds(60);

    private readonly byte[] _signingKey;
    private readonly byte[] _encryptionKey;

    public Fernet(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] raw;
        try
        {
            raw = FromBase64Url(key.Trim());
        }
        catch (FormatException)
        {
            throw new ArgumentException("A Fernet key must be 32 bytes in URL-safe base64 (44 characters).", nameof(key));
        }

        if (raw.Length != 32)
        {
            throw new ArgumentException("A Fernet key must be 32 bytes in URL-safe base64 (44 characters).", nameof(key));
        }

        _signingKey = raw[..16];
        _encryptionKey = raw[16..];
    }

    public string Encrypt(string plaintext, DateTimeOffset now) => Encrypt(Encoding.UTF8.GetBytes(plaintext), now, RandomNumberGenerator.GetBytes(16));

    /// <summary>Encrypts with a given IV; only tests need to choose it.</summary>
    public string Encrypt(byte[] plaintext, DateTimeOffset now, byte[] iv)
    {
        ArgumentNullException.ThrowIfNull(plaintext);
        ArgumentNullException.ThrowIfNull(iv);
        using var aes = Aes.Create();
        aes.Key = _encryptionKey;
        var ciphertext = aes.EncryptCbc(plaintext, iv, PaddingMode.PKCS7);
        var token = new byte[HeaderLength + ciphertext.Length + MacLength];
        token[0] = Version;
        BinaryPrimitives.WriteInt64BigEndian(token.AsSpan(1, 8), now.ToUnixTimeSeconds());
        iv.CopyTo(token, 9);
        ciphertext.CopyTo(token, HeaderLength);
        HMACSHA256.HashData(_signingKey, token.AsSpan(0, HeaderLength + ciphertext.Length), token.AsSpan(HeaderLength + ciphertext.Length));
        return ToBase64Url(token);
    }

    public string Decrypt(string token, DateTimeOffset now, TimeSpan? ttl = null) => Encoding.UTF8.GetString(DecryptBytes(token, now, ttl));

    public byte[] DecryptBytes(string token, DateTimeOffset now, TimeSpan? ttl = null)
    {
        ArgumentNullException.ThrowIfNull(token);
        byte[] data;
        try
        {
            data = FromBase64Url(token.Trim());
        }
        catch (FormatException)
        {
            throw new InvalidTokenException("The Fernet token is not valid base64.");
        }

        if (data.Length < HeaderLength + 16 + MacLength || (data.Length - HeaderLength - MacLength) % 16 != 0 || data[0] != Version)
        {
            throw new InvalidTokenException("The Fernet token is malformed.");
        }

        var expected = HMACSHA256.HashData(_signingKey, data.AsSpan(0, data.Length - MacLength));
        if (!CryptographicOperations.FixedTimeEquals(expected, data.AsSpan(data.Length - MacLength)))
        {
            throw new InvalidTokenException("The Fernet token's signature does not match this key.");
        }

        var issued = DateTimeOffset.FromUnixTimeSeconds(BinaryPrimitives.ReadInt64BigEndian(data.AsSpan(1, 8)));
        if (issued - now > MaxClockSkew)
        {
            throw new InvalidTokenException("The Fernet token was issued in the future.");
        }

        if (ttl is { } limit && now - issued > limit)
        {
            throw new InvalidTokenException("The Fernet token has expired.");
        }

        using var aes = Aes.Create();
        aes.Key = _encryptionKey;
        try
        {
            return aes.DecryptCbc(data.AsSpan(HeaderLength, data.Length - HeaderLength - MacLength), data.AsSpan(9, 16), PaddingMode.PKCS7);
        }
        catch (CryptographicException)
        {
            throw new InvalidTokenException("The Fernet token's padding is invalid.");
        }
    }

    internal static string ToBase64Url(byte[] bytes) => Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');

    internal static byte[] FromBase64Url(string text) => Convert.FromBase64String(text.Replace('-', '+').Replace('_', '/').PadRight(text.Length + (4 - text.Length % 4) % 4, '='));
}
