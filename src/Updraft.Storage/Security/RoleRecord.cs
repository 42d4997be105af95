namespace Updraft.Storage.Security;

/// <summary>A role and its permissions.</summary>
public sealed record RoleRecord(string Name, IReadOnlyList<Permission> Permissions);
