namespace Updraft.Storage.Security;

/// <summary>
/// The actions and resources of Airflow's permission model (FAB auth manager), with the names Airflow uses so that
/// roles exported from Airflow read the same here. A single DAG is the resource <c>DAG:&lt;dag_id&gt;</c>.
/// </summary>
public static class Permissions
{
    public const string Read = "can_read";
    public const string Edit = "can_edit";
    public const string Create = "can_create";
    public const string Delete = "can_delete";
    public const string MenuAccess = "menu_access";

    public const string Dags = "DAGs";
    public const string DagRuns = "DAG Runs";
    public const string TaskInstances = "Task Instances";
    public const string TaskLogs = "Task Logs";
    public const string XComs = "XComs";
    public const string DagCode = "DAG Code";
    public const string DagDependencies = "DAG Dependencies";
    public const string DagWarnings = "DAG Warnings";
    public const string DagVersions = "DAG Versions";
    public const string ImportErrors = "ImportError";
    public const string Variables = "Variables";
    public const string Connections = "Connections";
    public const string Pools = "Pools";
    public const string AuditLogs = "Audit Logs";
    public const string Configurations = "Configurations";
    public const string Backfills = "Backfills";
    public const string Assets = "Assets";
    public const string Jobs = "Jobs";
    public const string ClusterActivity = "Cluster Activity";
    public const string Plugins = "Plugins";
    public const string Providers = "Providers";
    public const string Triggers = "Triggers";
    public const string Website = "Website";
    public const string Users = "Users";
    public const string Roles = "Roles";
    public const string MyProfile = "My Profile";
    public const string MyPassword = "My Password";

    /// <summary>The prefix of a single DAG's resource.</summary>
    public const string DagPrefix = "DAG:";

    public static IReadOnlyList<string> Actions { get; } = [Read, Edit, Create, Delete, MenuAccess];

    /// <summary>Every resource that is not a single DAG.</summary>
    public static IReadOnlyList<string> Resources { get; } =
    [
        Dags, DagRuns, TaskInstances, TaskLogs, XComs, DagCode, DagDependencies, DagWarnings, DagVersions, ImportErrors, Variables,
        Connections, Pools, AuditLogs, Configurations, Backfills, Assets, Jobs, ClusterActivity, Plugins, Providers, Triggers, Website,
        Users, Roles, MyProfile, MyPassword,
    ];

    /// <summary>The resource of one DAG.</summary>
    public static string Dag(string dagId) => DagPrefix + dagId;

    /// <summary>The action an HTTP method asks for, as Airflow maps them (GET read, POST create, PUT/PATCH edit, DELETE delete).</summary>
    public static string ForMethod(string method) => method.ToUpperInvariant() switch
    {
        "GET" or "HEAD" => Read,
        "POST" => Create,
        "PUT" or "PATCH" => Edit,
        "DELETE" => Delete,
        _ => throw new ArgumentException($"No permission action for HTTP method {method}.", nameof(method)),
    };

    /// <summary>Null when the permission names a known action and resource; otherwise why not.</summary>
    public static string? Check(Permission permission)
    {
        ArgumentNullException.ThrowIfNull(permission);
        if (!Actions.Contains(permission.Action, StringComparer.Ordinal))
        {
            return $"Unknown action '{permission.Action}'; actions are {string.Join(", ", Actions)}.";
        }

        if (permission.Resource.StartsWith(DagPrefix, StringComparison.Ordinal))
        {
            return permission.Resource.Length > DagPrefix.Length ? null : "A DAG resource names its DAG: DAG:<dag_id>.";
        }

        return Resources.Contains(permission.Resource, StringComparer.Ordinal)
            ? null
            : $"Unknown resource '{permission.Resource}'; resources are {string.Join(", ", Resources)}, or DAG:<dag_id> for one DAG.";
    }
}
