using System.Collections.Concurrent;
using System.Runtime.Loader;
using Updraft.Core.Triggers;
using Updraft.Dags.Loading;
using Updraft.Scheduling.Scheduling;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Triggering;

/// <summary>
/// Finds a stored trigger's type: a built-in one (<see cref="TriggerTypes"/>), or one defined in DAG code, loaded from
/// the code of the waiting run's own DAG version (its file and the shared code it was built with), as a worker loads
/// the task. Each version's code is loaded once; the answer is kept per version and type name.
/// </summary>
public sealed class DagCodeTriggerTypes(MetadataDatabase database, DagBagLoader loader)
{
    private readonly DagRunStore _runs = new(database);
    private readonly DagCodeStore _code = new(database);
    private readonly SerializedDagCache _serialized = new(new DagStore(database));
    private readonly ConcurrentDictionary<(string DagId, int Version, string Classpath), Type?> _known = new();
    private readonly Lock _loading = new();

    /// <summary>The trigger type of <paramref name="record"/>, or null when neither Updraft nor its DAG version defines it.</summary>
    public async Task<Type?> ResolveAsync(TriggerRecord record, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(record);
        if (TriggerTypes.Resolve(record.Classpath) is { } builtIn)
        {
            return builtIn;
        }

        // A task's trigger comes from its run's DAG version; an asset watcher's from the declaring DAG's latest.
        string dagId;
        int version;
        if (record.Task is { } key && await _runs.GetAsync(key.DagId, key.RunId, cancellationToken) is { } run)
        {
            (dagId, version) = (key.DagId, run.DagVersion);
        }
        else if (record.WatcherDagId is { } watcherDag && await _serialized.GetLatestAsync(watcherDag, cancellationToken) is { } latest)
        {
            (dagId, version) = (watcherDag, latest.Version);
        }
        else
        {
            return null;
        }

        if (_known.TryGetValue((dagId, version, record.Classpath), out var known))
        {
            return known;
        }

        var dag = await _serialized.GetAsync(dagId, version, cancellationToken);
        var code = dag is null ? null : await _code.GetAsync(dag.SourceHash, cancellationToken);
        if (code is null)
        {
            return null;
        }

        var shared = dag!.SharedHash is { } sharedHash ? await _code.GetAsync(sharedHash, cancellationToken) : null;
        lock (_loading)
        {
            // One load at a time: compiling is heavy, and the loader keeps one copy per version.
            var bag = loader.LoadCode(code, shared);
            var type = bag.Dags.TryGetValue(dagId, out var loaded) && loaded.Assembly is { } assembly ? Find(assembly, record.Classpath) : null;
            _known[(dagId, version, record.Classpath)] = type;
            return type;
        }
    }

    /// <summary>The type in the DAG's assembly, or in the shared code it references.</summary>
    private static Type? Find(System.Reflection.Assembly assembly, string classpath)
    {
        if (assembly.GetType(classpath, throwOnError: false) is { } own)
        {
            return Trigger(own);
        }

        var context = AssemblyLoadContext.GetLoadContext(assembly);
        foreach (var reference in assembly.GetReferencedAssemblies().Where(r => r.Name?.StartsWith("UpdraftShared_", StringComparison.Ordinal) == true))
        {
            if (context?.LoadFromAssemblyName(reference).GetType(classpath, throwOnError: false) is { } shared)
            {
                return Trigger(shared);
            }
        }

        return null;
    }

    private static Type? Trigger(Type type) => !type.IsAbstract && typeof(Trigger).IsAssignableFrom(type) ? type : null;
}
