using System.Reflection;
using System.Runtime.Loader;

namespace Updraft.Dags.Loading;

/// <summary>
/// A collectible load context per DAG file, so a changed file's old code can be unloaded. The Updraft SDK and
/// the framework come from the default context (one set of SDK types for everyone); the folder's shared code from
/// its own shared context; a prebuilt DAG assembly's other dependencies are looked up beside it.
/// </summary>
internal sealed class DagAssemblyLoadContext(string name, string? probeDirectory, SharedLoadContext? shared = null)
    : AssemblyLoadContext(name, isCollectible: true)
{
    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (shared?.Resolve(assemblyName) is { } fromShared)
        {
            return fromShared;
        }

        if (probeDirectory is null || assemblyName.Name is null || assemblyName.Name.StartsWith("Updraft.", StringComparison.Ordinal))
        {
            return null;
        }

        if (Default.Assemblies.Any(a => a.GetName().Name == assemblyName.Name))
        {
            return null;
        }

        var candidate = Path.Combine(probeDirectory, assemblyName.Name + ".dll");
        return File.Exists(candidate) ? LoadFromAssemblyPath(candidate) : null;
    }
}
