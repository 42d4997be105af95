using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.Loader;

namespace Updraft.Dags.Loading;

/// <summary>
/// A collectible load context for one version of a DAGs folder's shared code: its compiled assembly and its libraries,
/// loaded once and resolved by every DAG file of that folder, so all of them see the same shared types.
/// </summary>
internal sealed class SharedLoadContext : AssemblyLoadContext
{
    private readonly Dictionary<string, byte[]> _libraries = new(StringComparer.Ordinal);

    public SharedLoadContext(SharedCode code, byte[] assembly, byte[]? symbols)
        : base("shared " + code.Hash[..16], isCollectible: true)
    {
        foreach (var library in code.Libraries)
        {
            if (NameOf(library.Content) is { } name)
            {
                _libraries.TryAdd(name, library.Content);
            }
        }

        using var pe = new MemoryStream(assembly);
        using var pdb = symbols is null ? null : new MemoryStream(symbols);
        Assembly = LoadFromStream(pe, pdb);
    }

    public Assembly Assembly { get; }

    /// <summary>The shared assembly or one of the shared libraries, when <paramref name="name"/> is one of them.</summary>
    public Assembly? Resolve(AssemblyName name)
    {
        if (name.Name == Assembly.GetName().Name)
        {
            return Assembly;
        }

        return name.Name is { } simple && _libraries.ContainsKey(simple) && !IsHostAssembly(simple) ? LoadFromAssemblyName(name) : null;
    }

    protected override Assembly? Load(AssemblyName assemblyName)
    {
        if (assemblyName.Name is not { } name || IsHostAssembly(name) || !_libraries.TryGetValue(name, out var bytes))
        {
            return null;
        }

        using var stream = new MemoryStream(bytes);
        return LoadFromStream(stream);
    }

    /// <summary>Updraft's own and the framework's assemblies always come from the host, one copy for everyone.</summary>
    private static bool IsHostAssembly(string name) =>
        name.StartsWith("Updraft.", StringComparison.Ordinal) || Default.Assemblies.Any(a => a.GetName().Name == name);

    private static string? NameOf(byte[] image)
    {
        try
        {
            using var reader = new PEReader(new MemoryStream(image));
            if (!reader.HasMetadata)
            {
                return null;
            }

            var metadata = reader.GetMetadataReader();
            return metadata.IsAssembly ? metadata.GetString(metadata.GetAssemblyDefinition().Name) : null;
        }
        catch (BadImageFormatException)
        {
            return null;
        }
    }
}
