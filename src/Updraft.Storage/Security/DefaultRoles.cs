using static Updraft.Storage.Security.Permissions;

namespace Updraft.Storage.Security;

/// <summary>
/// The built-in roles and their permissions, as Airflow's FAB auth manager defines them: Viewer reads, User also
/// operates DAGs and their runs and task instances, Op also manages connections, pools, variables and XComs and reads
/// the configuration, Admin may do everything including users and roles, Public nothing. They are added to a new
/// database; an administrator may change them afterwards.
/// </summary>
public static class DefaultRoles
{
    public const string Admin = "Admin";
    public const string Op = "Op";
    public const string User = "User";
    public const string Viewer = "Viewer";
    public const string Public = "Public";

    private static readonly Permission[] ViewerPermissions =
    [
        .. new[] { AuditLogs, Dags, DagDependencies, DagCode, DagRuns, DagVersions, Assets, ClusterActivity, Pools, ImportErrors, DagWarnings, Jobs, Plugins, TaskInstances, TaskLogs, XComs, Backfills, Website, MyProfile }
            .Select(r => new Permission(Read, r)),
        new(Edit, MyPassword),
        new(Edit, MyProfile),
    ];

    private static readonly Permission[] UserPermissions =
    [
        .. ViewerPermissions,
        new(Edit, Dags),
        new(Delete, Dags),
        new(Create, TaskInstances),
        new(Edit, TaskInstances),
        new(Delete, TaskInstances),
        new(Create, DagRuns),
        new(Edit, DagRuns),
        new(Delete, DagRuns),
        new(Create, Backfills),
        new(Edit, Backfills),
        new(Create, Assets),
    ];

    private static readonly Permission[] OpPermissions =
    [
        .. UserPermissions,
        new(Read, Configurations),
        new(Read, Providers),
        new(Read, Triggers),
        .. new[] { Connections, Pools, Variables, XComs }.SelectMany(r => new[] { new Permission(Create, r), new Permission(Read, r), new Permission(Edit, r), new Permission(Delete, r) }),
        new(Delete, Assets),
    ];

    private static readonly Permission[] AdminPermissions =
    [
        .. OpPermissions,
        .. new[] { Users, Roles }.SelectMany(r => new[] { new Permission(Create, r), new Permission(Read, r), new Permission(Edit, r), new Permission(Delete, r) }),
    ];

    /// <summary>Each built-in role with its permissions (no duplicates).</summary>
    public static IReadOnlyDictionary<string, IReadOnlyList<Permission>> All { get; } = new Dictionary<string, IReadOnlyList<Permission>>(StringComparer.Ordinal)
    {
        [Admin] = [.. AdminPermissions.Distinct()],
        [Op] = [.. OpPermissions.Distinct()],
        [User] = [.. UserPermissions.Distinct()],
        [Viewer] = [.. ViewerPermissions.Distinct()],
        [Public] = [],
    };
}
