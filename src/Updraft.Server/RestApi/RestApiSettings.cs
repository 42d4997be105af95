namespace Updraft.Server.RestApi;

/// <summary>What the REST routes read of the server's settings.</summary>
public sealed record RestApiSettings(int MaximumPageLimit, bool ExposeConfig, bool TestConnection, string? LogFolder)
{
    /// <summary>How long the DAG list's answers are kept (<see cref="ListCache"/>); zero keeps none.</summary>
    public TimeSpan ListCacheLifetime { get; init; }
}
