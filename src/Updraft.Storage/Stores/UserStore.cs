using System.Security.Cryptography;
using Dapper;
using Updraft.Storage.Database;
using Updraft.Storage.Security;

namespace Updraft.Storage.Stores;

/// <summary>Users of the API and UI, with their roles and PBKDF2-SHA256 password hashes (never the passwords).</summary>
public sealed class UserStore(MetadataDatabase database)
{
    private const int Iterations = 210_000;

    private const string Columns =
        "id AS Id, username AS Username, first_name AS FirstName, last_name AS LastName, email AS Email, active AS Active, created_at AS CreatedAt, " +
        "last_login AS LastLogin, login_count AS LoginCount, fail_login_count AS FailLoginCount";

    /// <summary>Creates the user with one role unless one with that name exists; returns whether it was created.</summary>
    public Task<bool> CreateIfMissingAsync(string username, string password, string role, DateTimeOffset now, CancellationToken cancellationToken = default) =>
        CreateAsync(new UserRecord { Username = username, Roles = [role] }, password, now, cancellationToken);

    /// <summary>
    /// Creates a user with the given roles (which must exist: <see cref="RoleStore.ExistsAsync"/>); false when the
    /// username is taken. Only the hash of <paramref name="password"/> is kept.
    /// </summary>
    public async Task<bool> CreateAsync(UserRecord user, string password, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        ArgumentException.ThrowIfNullOrEmpty(password);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var created = await database.InsertUnlessExistsAsync(
            connection,
            "INSERT INTO updraft_user (username, password_hash, first_name, last_name, email, active, created_at) " +
            "VALUES (@Username, @hash, @FirstName, @LastName, @Email, 1, @at)",
            new { user.Username, hash = Hash(password), user.FirstName, user.LastName, user.Email, at = Micros.From(now) },
            transaction) > 0;
        if (created)
        {
            await connection.ExecuteAsync(
                "INSERT INTO updraft_user_role (username, role) VALUES (@username, @role)" + database.SkipExisting("role"),
                user.Roles.Distinct(StringComparer.Ordinal).Select(role => new { username = user.Username, role }),
                transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return created;
    }

    public async Task<UserRecord?> GetAsync(string username, CancellationToken cancellationToken = default) =>
        await QueryAsync("WHERE username = @username", new { username }, cancellationToken) is [var user] ? user : null;

    /// <summary>Every user, by username.</summary>
    public Task<IReadOnlyList<UserRecord>> ListAsync(CancellationToken cancellationToken = default) => QueryAsync("", null, cancellationToken);

    /// <summary>Deletes a user and their role grants; false when there is no such user.</summary>
    public async Task<bool> DeleteAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM updraft_user_role WHERE username = @username", new { username }, transaction);
        var deleted = await connection.ExecuteAsync("DELETE FROM updraft_user WHERE username = @username", new { username }, transaction) > 0;
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>
    /// Sets a user's names, email, whether they are active, and their roles (which must exist) in one transaction;
    /// false when there is no such user.
    /// </summary>
    public async Task<bool> UpdateAsync(UserRecord user, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(user);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var found = await connection.ExecuteAsync(
            "UPDATE updraft_user SET first_name = @FirstName, last_name = @LastName, email = @Email, active = @active WHERE username = @Username",
            new { user.FirstName, user.LastName, user.Email, active = user.Active ? 1 : 0, user.Username },
            transaction) > 0;
        if (found)
        {
            await connection.ExecuteAsync("DELETE FROM updraft_user_role WHERE username = @Username", new { user.Username }, transaction);
            await connection.ExecuteAsync(
                "INSERT INTO updraft_user_role (username, role) VALUES (@username, @role)",
                user.Roles.Distinct(StringComparer.Ordinal).Select(role => new { username = user.Username, role }),
                transaction);
        }

        await transaction.CommitAsync(cancellationToken);
        return found;
    }

    /// <summary>Sets a new password; false when there is no such user.</summary>
    public async Task<bool> ResetPasswordAsync(string username, string password, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "UPDATE updraft_user SET password_hash = @hash, fail_login_count = 0 WHERE username = @username", new { username, hash = Hash(password) }) > 0;
    }

    /// <summary>Grants a role (which must exist); false when the user had it already.</summary>
    public async Task<bool> AddRoleAsync(string username, string role, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await database.InsertUnlessExistsAsync(connection, "INSERT INTO updraft_user_role (username, role) VALUES (@username, @role)", new { username, role }) > 0;
    }

    /// <summary>Takes a role away; false when the user did not have it.</summary>
    public async Task<bool> RemoveRoleAsync(string username, string role, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync("DELETE FROM updraft_user_role WHERE username = @username AND role = @role", new { username, role }) > 0;
    }

    /// <summary>
    /// The active user whose password this is, with the login recorded; null for an unknown user, a wrong password (the
    /// failure counted) or an inactive user. The time taken does not tell an unknown user from a wrong password.
    /// </summary>
    public async Task<UserRecord?> VerifyAsync(string username, string password, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var row = await connection.QuerySingleOrDefaultAsync<(string Hash, long Active)?>(
            "SELECT password_hash, active FROM updraft_user WHERE username = @username", new { username });
        if (row is not { } stored)
        {
            // Spend the same work as a real check.
            Verify(password, DummyHash.Value);
            return null;
        }

        if (!Verify(password, stored.Hash) || stored.Active == 0)
        {
            await connection.ExecuteAsync("UPDATE updraft_user SET fail_login_count = fail_login_count + 1 WHERE username = @username", new { username });
            return null;
        }

        await connection.ExecuteAsync(
            "UPDATE updraft_user SET last_login = @at, login_count = login_count + 1, fail_login_count = 0 WHERE username = @username",
            new { username, at = Micros.From(now) });
        return await GetAsync(username, cancellationToken);
    }

    /// <summary>The permissions of an active user's roles; empty for an unknown or inactive user.</summary>
    public async Task<PermissionSet> PermissionsAsync(string username, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = await connection.QueryAsync<(string Action, string Resource)>(
            "SELECT DISTINCT p.action, p.resource FROM updraft_user u JOIN updraft_user_role ur ON ur.username = u.username " +
            "JOIN updraft_role_permission p ON p.role = ur.role WHERE u.username = @username AND u.active = 1",
            new { username });
        return new PermissionSet(rows.Select(r => new Permission(r.Action, r.Resource)));
    }

    private static readonly Lazy<string> DummyHash = new(() => Hash(Convert.ToBase64String(RandomNumberGenerator.GetBytes(16))));

    private async Task<IReadOnlyList<UserRecord>> QueryAsync(string where, object? parameters, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var rows = (await connection.QueryAsync<UserRow>($"SELECT {Columns} FROM updraft_user {where} ORDER BY username", parameters)).ToList();
        var roles = (await connection.QueryAsync<(string Username, string Role)>(
                $"SELECT username, role FROM updraft_user_role {where} ORDER BY role", parameters))
            .ToLookup(r => r.Username, r => r.Role, StringComparer.Ordinal);
        return [.. rows.Select(r => new UserRecord
        {
            Id = r.Id,
            Username = r.Username,
            FirstName = r.FirstName,
            LastName = r.LastName,
            Email = r.Email,
            Active = r.Active != 0,
            Roles = [.. roles[r.Username]],
            CreatedAt = Micros.To(r.CreatedAt),
            LastLogin = Micros.To(r.LastLogin),
            LoginCount = r.LoginCount,
            FailLoginCount = r.FailLoginCount,
        })];
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

    private sealed class UserRow
    {
        public long Id { get; init; }

        public string Username { get; init; } = "";

        public string FirstName { get; init; } = "";

        public string LastName { get; init; } = "";

        public string Email { get; init; } = "";

        public long Active { get; init; }

        public long CreatedAt { get; init; }

        public long? LastLogin { get; init; }

        public int LoginCount { get; init; }

        public int FailLoginCount { get; init; }
    }
}
