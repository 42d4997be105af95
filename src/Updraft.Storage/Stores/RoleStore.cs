using Dapper;
using Updraft.Storage.Database;
using Updraft.Storage.Security;

namespace Updraft.Storage.Stores;

/// <summary>Roles and their permissions (Airflow's FAB model); the built-in roles are added to every new database.</summary>
public sealed class RoleStore(MetadataDatabase database)
{
    /// <summary>Adds each built-in role that does not exist yet, with its default permissions; roles that exist are left as they are.</summary>
    public async Task EnsureDefaultRolesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var existing = (await connection.QueryAsync<string>("SELECT name FROM updraft_role")).ToHashSet(StringComparer.Ordinal);
        var missing = DefaultRoles.All.Where(r => !existing.Contains(r.Key)).ToList();
        if (missing.Count == 0)
        {
            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        foreach (var (name, permissions) in missing)
        {
            await connection.ExecuteAsync("INSERT INTO updraft_role (name) VALUES (@name)" + database.SkipExisting("name"), new { name }, transaction);
            await connection.ExecuteAsync(
                "INSERT INTO updraft_role_permission (role, action, resource) VALUES (@Role, @Action, @Resource)" + database.SkipExisting("role"),
                permissions.Select(p => new { Role = name, p.Action, p.Resource }),
                transaction);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RoleRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        var names = await connection.QueryAsync<string>("SELECT name FROM updraft_role ORDER BY name");
        var permissions = (await connection.QueryAsync<(string Role, string Action, string Resource)>(
                "SELECT role, action, resource FROM updraft_role_permission ORDER BY role, resource, action"))
            .ToLookup(p => p.Role, p => new Permission(p.Action, p.Resource), StringComparer.Ordinal);
        return [.. names.Select(n => new RoleRecord(n, [.. permissions[n]]))];
    }

    public async Task<RoleRecord?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(r => r.Name == name);

    public async Task<bool> ExistsAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteScalarAsync<long>("SELECT count(*) FROM updraft_role WHERE name = @name", new { name }) > 0;
    }

    /// <summary>Creates an empty role; false when it exists.</summary>
    public async Task<bool> CreateAsync(string name, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        await using var connection = await database.OpenAsync(cancellationToken);
        try
        {
            return await connection.ExecuteAsync("INSERT INTO updraft_role (name) VALUES (@name)", new { name }) > 0;
        }
        catch (Exception e) when (MetadataDatabase.IsDuplicateKey(e))
        {
            return false;
        }
    }

    /// <summary>Deletes a role, its permissions and its grants to users; false when there is no such role.</summary>
    public async Task<bool> DeleteAsync(string name, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await connection.ExecuteAsync("DELETE FROM updraft_user_role WHERE role = @name", new { name }, transaction);
        await connection.ExecuteAsync("DELETE FROM updraft_role_permission WHERE role = @name", new { name }, transaction);
        var deleted = await connection.ExecuteAsync("DELETE FROM updraft_role WHERE name = @name", new { name }, transaction) > 0;
        await transaction.CommitAsync(cancellationToken);
        return deleted;
    }

    /// <summary>Gives a role permissions (those it has already are skipped); returns how many were added.</summary>
    public async Task<int> AddPermissionsAsync(string role, IReadOnlyCollection<Permission> permissions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        await using var connection = await database.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var had = (await connection.QueryAsync<(string Action, string Resource)>(
            "SELECT action, resource FROM updraft_role_permission WHERE role = @role", new { role }, transaction)).ToHashSet();
        var added = permissions.Distinct().Where(p => !had.Contains((p.Action, p.Resource))).ToList();
        await connection.ExecuteAsync(
            "INSERT INTO updraft_role_permission (role, action, resource) VALUES (@role, @Action, @Resource)" + database.SkipExisting("role"),
            added.Select(p => new { role, p.Action, p.Resource }),
            transaction);
        await transaction.CommitAsync(cancellationToken);
        return added.Count;
    }

    /// <summary>Takes permissions from a role; returns how many it had.</summary>
    public async Task<int> RemovePermissionsAsync(string role, IReadOnlyCollection<Permission> permissions, CancellationToken cancellationToken = default)
    {
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            "DELETE FROM updraft_role_permission WHERE role = @role AND action = @Action AND resource = @Resource",
            permissions.Select(p => new { role, p.Action, p.Resource }));
    }
}
