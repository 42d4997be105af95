namespace Updraft.Storage.Security;

/// <summary>
/// What a user may do: the union of the permissions of their roles, with Airflow's rules for DAGs — an action on
/// <c>DAGs</c> covers every DAG, an action on <c>DAG:&lt;dag_id&gt;</c> only that one.
/// </summary>
public sealed class PermissionSet
{
    private readonly HashSet<Permission> _permissions;

    public PermissionSet(IEnumerable<Permission> permissions) => _permissions = [.. permissions];

    public static PermissionSet Empty { get; } = new([]);

    public IReadOnlyCollection<Permission> All => _permissions;

    public bool Has(string action, string resource) => _permissions.Contains(new Permission(action, resource));

    /// <summary>Whether <paramref name="action"/> is allowed on the DAG <paramref name="dagId"/>.</summary>
    public bool HasOnDag(string action, string dagId) => Has(action, Permissions.Dags) || Has(action, Permissions.Dag(dagId));

    /// <summary>Whether <paramref name="action"/> is allowed on at least one DAG.</summary>
    public bool HasOnAnyDag(string action) =>
        _permissions.Any(p => p.Action == action && (p.Resource == Permissions.Dags || p.Resource.StartsWith(Permissions.DagPrefix, StringComparison.Ordinal)));

    /// <summary>The DAGs <paramref name="action"/> is allowed on: null for all of them.</summary>
    public IReadOnlySet<string>? DagsWith(string action) => Has(action, Permissions.Dags)
        ? null
        : _permissions.Where(p => p.Action == action && p.Resource.StartsWith(Permissions.DagPrefix, StringComparison.Ordinal))
            .Select(p => p.Resource[Permissions.DagPrefix.Length..])
            .ToHashSet(StringComparer.Ordinal);
}
