using Updraft.Storage.Security;

namespace Updraft.Server.RestApi;

/// <summary>Who is calling the REST API, and what their roles allow.</summary>
public sealed record ApiCaller(string Username, PermissionSet Permissions)
{
    /// <summary>The DAGs the caller may read: null for all.</summary>
    public IReadOnlySet<string>? ReadableDags => Permissions.DagsWith(Storage.Security.Permissions.Read);

    public bool CanReadDag(string dagId) => Permissions.HasOnDag(Storage.Security.Permissions.Read, dagId);
}
