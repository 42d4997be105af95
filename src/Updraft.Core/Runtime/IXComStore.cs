namespace Updraft.Core.Runtime;

/// <summary>Where XCom values (JSON documents) are kept: memory for tests, the metadata database in production.</summary>
public interface IXComStore
{
    Task SetAsync(XComKey key, string json, CancellationToken cancellationToken = default);

    /// <summary>The stored JSON, or null when there is none.</summary>
    Task<string?> GetAsync(XComKey key, CancellationToken cancellationToken = default);
}
