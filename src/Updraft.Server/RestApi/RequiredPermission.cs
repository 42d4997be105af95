namespace Updraft.Server.RestApi;

/// <summary>
/// Endpoint metadata: the permission a REST route needs. Every route under <c>/api/</c> carries one (or
/// <see cref="AnonymousRoute"/>); a route without is refused, so a route added without a permission cannot be open.
/// </summary>
public sealed record RequiredPermission(string Action, string Resource, DagScope Scope = DagScope.None);
