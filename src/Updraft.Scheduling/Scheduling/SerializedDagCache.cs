using System.Collections.Concurrent;
using Updraft.Core.Serialization;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Scheduling;

/// <summary>Serialized DAG versions, read once each: a version never changes once stored.</summary>
internal sealed class SerializedDagCache(DagStore store)
{
    private readonly ConcurrentDictionary<(string, int), SerializedDag> _versions = new();

    public async Task<SerializedDag?> GetAsync(string dagId, int version, CancellationToken cancellationToken)
    {
        if (_versions.TryGetValue((dagId, version), out var cached))
        {
            return cached;
        }

        var loaded = await store.GetSerializedAsync(dagId, version, cancellationToken);
        if (loaded is { } found)
        {
            _versions[(dagId, version)] = found.Dag;
        }

        return loaded?.Dag;
    }

    public async Task<(SerializedDag Dag, int Version)?> GetLatestAsync(string dagId, CancellationToken cancellationToken)
    {
        var latest = await store.GetSerializedAsync(dagId, null, cancellationToken);
        if (latest is { } found)
        {
            _versions[(dagId, found.Version)] = found.Dag;
        }

        return latest;
    }
}
