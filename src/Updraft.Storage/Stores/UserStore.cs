using System.Security.Cryptography;
using Dapper;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>Users of the API and UI, with PBKDF2-SHA256 password hashes (never the passwords).</summary>
public sealed class UserStore(MetadataDatabase database)
{
    private const int Iterations = 210_000;

    /// <summary>Creates the user unless one with that name exists; returns whether it was created.</summary>
    public async Task<bool> CreateIfMissingAsync(string username, string password, string role, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "INSERT INTO updraft_user (username, password_hash, role, created_at) VALUES (@username, @hash, @role, @at) ON CONFLICT (username) DO NOTHING",
            new { username, hash = Hash(password), role, at = Micros.From(now) }) > 0;
    }

    public async Task<bool> VerifyAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var stored = await connection.QuerySingleOrDefaultAsync<string>("SELECT password_hash FROM updraft_user WHERE username = @username", new { username });
        return stored is not null && Verify(password, stored);
    }

    internal static string Hash(string password)
    {
        var salt = RandomNumberGenerator.GetBytes(16);
        var hash = Rfc2898DeriveBytes.Pbkdf2(password, salt, Iterations, HashAlgorithmName.SHA256, 32);
        return $"pbkdf2-sha256${Iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    internal static bool Verify(string password, string stored)
    {
        var parts = stored.Split('$');
        if (parts.Length != 4 || parts[0] != "pbkdf2-sha256" || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out var iterations))
        {
            return false;
        }

        var expected = Convert.FromBase64String(parts[3]);
        var actual = Rfc2898DeriveBytes.Pbkdf2(password, Convert.FromBase64String(parts[2]), iterations, HashAlgorithmName.SHA256, expected.Length);
        return CryptographicOperations.FixedTimeEquals(actual, expected);
    }
}
