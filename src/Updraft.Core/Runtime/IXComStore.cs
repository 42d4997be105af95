namespace Updraft.Core.Runtime;

/// <summary>Where XCom values of a run are kept.</summary>
public interface IXComStore
{
    Task SetAsync(XComKey key, string json, CancellationToken cancellationToken = default);

    /// <summary>The stored JSON, or null when there is none.</summary>
    Task<string?> GetAsync(XComKey key, CancellationToken cancellationToken = default);

    /// <summary>
    /// The values every mapped instance of <paramref name="taskId"/> stored under <paramref name="key"/> in the run, in
    /// map-index order (instances that stored none are left out): a mapped task's collected results.
    /// </summary>
    Task<IReadOnlyList<string>> GetMappedAsync(string dagId, string runId, string taskId, string key, CancellationToken cancellationToken = default);
}
