namespace Updraft.Storage.Security;

/// <summary>A user of the REST API and UI, with their roles (never their password or its hash).</summary>
public sealed record UserRecord
{
    public long Id { get; init; }

    public string Username { get; init; } = "";

    public string FirstName { get; init; } = "";

    public string LastName { get; init; } = "";

    public string Email { get; init; } = "";

    public bool Active { get; init; } = true;

    public IReadOnlyList<string> Roles { get; init; } = [];

    public DateTimeOffset CreatedAt { get; init; }

    public DateTimeOffset? LastLogin { get; init; }

    public int LoginCount { get; init; }

    public int FailLoginCount { get; init; }
}
