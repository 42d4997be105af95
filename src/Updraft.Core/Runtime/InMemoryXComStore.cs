using System.Collections.Concurrent;

namespace Updraft.Core.Runtime;

/// <summary>An XCom store in memory, for DAG tests and single-process runs.</summary>
public sealed class InMemoryXComStore : IXComStore
{
    private readonly ConcurrentDictionary<XComKey, string> _values = new();

    public IReadOnlyDictionary<XComKey, string> Values => _values;

    public Task SetAsync(XComKey key, string json, CancellationToken cancellationToken = default)
    {
        _values[key] = json;
        return Task.CompletedTask;
    }

    public Task<string?> GetAsync(XComKey key, CancellationToken cancellationToken = default) =>
        Task.FromResult(_values.TryGetValue(key, out var json) ? json : null);

    public Task<IReadOnlyList<string>> GetMappedAsync(string dagId, string runId, string taskId, string key, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<string>>([.. _values
            .Where(v => v.Key.MapIndex >= 0 && v.Key.DagId == dagId && v.Key.RunId == runId && v.Key.TaskId == taskId && v.Key.Key == key)
            .OrderBy(v => v.Key.MapIndex)
            .Select(v => v.Value)]);
}
