using System.Collections.Concurrent;
using System.Diagnostics;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using System.Text;
using Updraft.Core.Dags;
using Updraft.Core.Serialization;
using Updraft.Dags.Compilation;
using Updraft.Dags.Discovery;

namespace Updraft.Dags.Loading;

/// <summary>
/// Loads DAG folders into a <see cref="DagBag"/>: every file compiled (or taken from the cache), loaded in its
/// own collectible context, asked for its DAGs under the import timeout, validated and serialized. A broken
/// file becomes an import error with its line; every other file still loads. A loader kept alive (as the
/// dag-processor keeps it) does not even reload files whose content has not changed.
/// </summary>
public sealed class DagBagLoader(DagBagOptions options)
{
    private const int MaxCodeVersionsKept = 256;
    private const int MaxSharedVersionsKept = 16;
    private readonly ConcurrentDictionary<string, (string Key, FileOutcome Outcome)> _byPath = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, FileOutcome> _byCode = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, Lazy<SharedOutcome>> _shared = new(StringComparer.Ordinal);

    private int _abandonedBuilds;

    public DagCompiler Compiler { get; } = new(options.CacheDirectory);

    /// <summary>
    /// How many builds ran past the import timeout and were abandoned, their threads still running: a process that
    /// has any should be recycled, since .NET cannot stop those threads.
    /// </summary>
    public int AbandonedBuilds => Volatile.Read(ref _abandonedBuilds);

    public DagBag Load(IEnumerable<string> folders)
    {
        ArgumentNullException.ThrowIfNull(folders);
        var files = new List<(string Path, SharedOutcome? Shared)>();
        var seenFiles = new HashSet<string>(StringComparer.Ordinal);
        var sharedOutcomes = new List<SharedOutcome>();
        var errors = new List<ImportError>();
        foreach (var folder in folders)
        {
            ImportError? unreadable = null;
            var shared = Directory.Exists(folder) ? LoadShared(SharedCode.TryRead(folder, out unreadable)) : null;
            if (unreadable is not null)
            {
                errors.Add(unreadable);
            }

            if (shared is not null)
            {
                sharedOutcomes.Add(shared);
            }

            files.AddRange(DagFileFinder.Find(folder, options.IgnoreSyntax).Where(seenFiles.Add).Select(f => (f, shared)));
        }

        var outcomes = new FileOutcome[files.Count];
        Parallel.For(0, files.Count, new ParallelOptions { MaxDegreeOfParallelism = options.MaxParallelism }, i => outcomes[i] = LoadFileCached(files[i].Path, files[i].Shared));

        var dags = new Dictionary<string, LoadedDag>(StringComparer.Ordinal);
        var codes = new List<DagCode>();
        foreach (var shared in sharedOutcomes.DistinctBy(s => s.Code.Hash))
        {
            errors.AddRange(shared.Errors);
        }

        for (var i = 0; i < files.Count; i++)
        {
            errors.AddRange(outcomes[i].Errors);
            if (outcomes[i].Code is { } code && outcomes[i].Dags.Count > 0)
            {
                codes.Add(code);
                if (outcomes[i].Dags.Any(d => d.Serialized.SharedHash is not null))
                {
                    codes.Add(files[i].Shared!.Code.ToDagCode());
                }
            }

            foreach (var loaded in outcomes[i].Dags)
            {
                if (dags.TryGetValue(loaded.Dag.DagId, out var first))
                {
                    errors.Add(new ImportError(
                        files[i].Path,
                        loaded.Dag.DefinedAtLine,
                        $"DAG id '{loaded.Dag.DagId}' is already defined in {first.Dag.Fileloc}; this definition is ignored."));
                    continue;
                }

                dags[loaded.Dag.DagId] = loaded;
            }
        }

        return new DagBag(dags, errors, [.. files.Select(f => f.Path)], [.. codes.DistinctBy(c => c.SourceHash)]);
    }

    /// <summary>
    /// Loads one DAG file version from its stored content, as a try does that must run the code its run was created
    /// from: compiled (or taken from the cache) as if it were the file at <see cref="DagCode.Fileloc"/>, against the
    /// shared-code bundle <paramref name="shared"/> its version was built with (none when null). Versions loaded this
    /// way are kept by content, so a worker switching between versions loads each once. The bag's import errors
    /// include the shared code's own.
    /// </summary>
    public DagBag LoadCode(DagCode code, DagCode? shared = null, bool reuse = true)
    {
        ArgumentNullException.ThrowIfNull(code);
        var sharedOutcome = shared is null ? null : LoadShared(SharedCode.FromDagCode(shared));
        var key = code.SourceHash + "+" + sharedOutcome?.Code.Hash;
        var outcome = reuse && _byCode.TryGetValue(key, out var known) ? known : LoadCodeUncached(code, sharedOutcome, key);
        var dags = new Dictionary<string, LoadedDag>(StringComparer.Ordinal);
        foreach (var loaded in outcome.Dags)
        {
            dags.TryAdd(loaded.Dag.DagId, loaded);
        }

        IReadOnlyList<ImportError> errors = sharedOutcome is { Errors.Count: > 0 } ? [.. sharedOutcome.Errors, .. outcome.Errors] : outcome.Errors;
        return new DagBag(dags, errors, [code.Fileloc], [code]);
    }

    private FileOutcome LoadCodeUncached(DagCode code, SharedOutcome? shared, string key)
    {
        var outcome = code.IsSource
            ? LoadSourceFile(code.Fileloc, Encoding.UTF8.GetString(code.Content), shared)
            : LoadAssemblyBytes(code.Fileloc, code.Content);
        if (_byCode.Count >= MaxCodeVersionsKept)
        {
            // A bound on what a long-lived worker keeps: old versions' load contexts can then be collected.
            _byCode.Clear();
        }

        _byCode[key] = outcome;
        return outcome;
    }

    /// <summary>A DAGs folder's shared code compiled (or taken from the cache) and loaded, once per bundle version.</summary>
    private SharedOutcome? LoadShared(SharedCode? code)
    {
        if (code is null)
        {
            return null;
        }

        if (!_shared.ContainsKey(code.Hash) && _shared.Count >= MaxSharedVersionsKept)
        {
            // A bound on what a long-lived worker keeps; a version in use by a loaded DAG stays alive through it.
            _shared.Clear();
        }

        return _shared.GetOrAdd(code.Hash, _ => new Lazy<SharedOutcome>(() => CompileShared(code))).Value;
    }

    private SharedOutcome CompileShared(SharedCode code)
    {
        var compiled = Compiler.CompileShared(code);
        if (!compiled.Succeeded)
        {
            var errors = compiled.Errors
                .GroupBy(e => e.File ?? code.Folder, StringComparer.Ordinal)
                .Select(g => new ImportError(
                    g.Key,
                    g.First().Line,
                    "Shared code does not compile; DAG files using it cannot load.\n" + string.Join("\n", g.Select(e => $"{g.Key}{e}"))))
                .ToList();
            return new SharedOutcome(code, null, null, errors);
        }

        var references = new Compilation.SharedReferences(code.Hash, compiled.Assembly!, [.. code.Libraries.Select(l => l.Content)]);
        return new SharedOutcome(code, references, new SharedLoadContext(code, compiled.Assembly!, compiled.Symbols), []);
    }

    private FileOutcome LoadFileCached(string path, SharedOutcome? shared)
    {
        string key;
        string? source = null;
        try
        {
            if (path.EndsWith(".cs", StringComparison.Ordinal))
            {
                source = File.ReadAllText(path);
                key = DagCompiler.CacheKey(path, source, shared?.Code.Hash);
            }
            else
            {
                var info = new FileInfo(path);
                key = $"{info.Length}:{info.LastWriteTimeUtc.Ticks}";
            }
        }
        catch (IOException e)
        {
            return FileOutcome.Failed(new ImportError(path, 0, $"Cannot read the file: {e.Message}"));
        }

        if (_byPath.TryGetValue(path, out var known) && known.Key == key)
        {
            return known.Outcome;
        }

        var outcome = source is null ? LoadAssemblyFile(path) : LoadSourceFile(path, source, shared);
        _byPath[path] = (key, outcome);
        return outcome;
    }

    private FileOutcome LoadSourceFile(string path, string source, SharedOutcome? shared)
    {
        var compiled = Compiler.Compile(path, source, shared?.References);
        if (!compiled.Succeeded)
        {
            var first = compiled.Errors.Count > 0 ? compiled.Errors[0] : null;
            var message = string.Join("\n", compiled.Errors.Select(e => $"{path}{e}"));
            if (shared is { References: null })
            {
                message += $"\n(The shared code in {shared.Code.Folder} does not compile, so this file was compiled without it: see its own import errors.)";
            }

            return FileOutcome.Failed(new ImportError(path, first?.Line ?? 0, message));
        }

        var context = new DagAssemblyLoadContext(Path.GetFileName(path), probeDirectory: null, shared?.Context);
        using var pe = new MemoryStream(compiled.Assembly!);
        using var pdb = compiled.Symbols is null ? null : new MemoryStream(compiled.Symbols);
        var assembly = context.LoadFromStream(pe, pdb);
        var content = Encoding.UTF8.GetBytes(source);
        var hash = HashHex(content);

        // The DAGs record the shared code only when the file uses it: other files' versions do not change with it.
        var sharedHash = shared?.References is { } references && compiled.UsesShared ? references.Hash : null;
        return BuildDags(path, assembly, hash, sharedHash) with { Code = new DagCode(hash, path, content) };
    }



    private FileOutcome LoadAssemblyFile(string path)
    {
        try
        {
            if (!ReferencesSdk(path))
            {
                return FileOutcome.Empty;
            }

            var content = File.ReadAllBytes(path);
            var context = new DagAssemblyLoadContext(Path.GetFileName(path), Path.GetDirectoryName(path));
            var assembly = context.LoadFromAssemblyPath(path);
            var hash = HashHex(content);
            return BuildDags(path, assembly, hash) with { Code = new DagCode(hash, path, content) };
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or IOException)
        {
            return FileOutcome.Failed(new ImportError(path, 0, $"Cannot load the assembly: {e.Message}"));
        }
    }

    /// <summary>A prebuilt DAG assembly from its stored bytes; its dependencies are looked for beside its original path.</summary>
    private FileOutcome LoadAssemblyBytes(string path, byte[] content)
    {
        try
        {
            var context = new DagAssemblyLoadContext(Path.GetFileName(path), Path.GetDirectoryName(path));
            using var stream = new MemoryStream(content);
            var assembly = context.LoadFromStream(stream);
            return BuildDags(path, assembly, HashHex(content)) with { Code = new DagCode(HashHex(content), path, content) };
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or IOException)
        {
            return FileOutcome.Failed(new ImportError(path, 0, $"Cannot load the assembly: {e.Message}"));
        }
    }

    private FileOutcome BuildDags(string path, Assembly assembly, string sourceHash, string? sharedHash = null)
    {
        var build = Task.Factory.StartNew(() => BuildAll(assembly), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        try
        {
            if (!build.Wait(options.ImportTimeout))
            {
                // .NET cannot stop a thread; the build is abandoned and its file reported. The dag-processor runs
                // parsing in a child process it can recycle, so a hung file cannot pile up threads there.
                Interlocked.Increment(ref _abandonedBuilds);
                return FileOutcome.Failed(new ImportError(
                    path,
                    0,
                    $"Building the DAGs of this file took longer than {options.ImportTimeout.TotalSeconds:0.#} s ([core] dagbag_import_timeout); it was abandoned."));
            }
        }
        catch (AggregateException e)
        {
            return FileOutcome.Failed(ErrorFor(path, e.InnerException ?? e));
        }

        var loaded = new List<LoadedDag>();
        var errors = new List<ImportError>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dag in build.Result)
        {
            try
            {
                dag.Fileloc = path;
                if (!seen.Add(dag.DagId))
                {
                    throw new DagDefinitionException($"DAG id '{dag.DagId}' is defined twice in this file.", path, dag.DefinedAtLine);
                }

                dag.Validate();
                loaded.Add(new LoadedDag(dag, DagSerializer.Serialize(dag, options.Defaults, sourceHash) with { SharedHash = sharedHash }, assembly));
            }
            catch (Exception e) when (e is DagDefinitionException or ArgumentException)
            {
                var error = ErrorFor(path, e);
                errors.Add(error.Line > 0 ? error : error with { Line = dag.DefinedAtLine });
            }
        }

        return new FileOutcome(loaded, errors);
    }

    private static List<Dag> BuildAll(Assembly assembly)
    {
        var dags = new List<Dag>();
        foreach (var type in assembly.GetTypes().Where(IsDagSource).OrderBy(t => t.FullName, StringComparer.Ordinal))
        {
            IDagSource source;
            try
            {
                source = (IDagSource)Activator.CreateInstance(type, nonPublic: true)!;
            }
            catch (TargetInvocationException e) when (e.InnerException is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
                throw;
            }

            dags.AddRange(source.Build());
        }

        return dags;
    }

    private static bool IsDagSource(Type type) => type is { IsClass: true, IsAbstract: false }
        && typeof(IDagSource).IsAssignableFrom(type)
        && type.GetConstructor(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance, Type.EmptyTypes) is not null;

    private static ImportError ErrorFor(string path, Exception e)
    {
        var line = e is DagDefinitionException { Line: > 0 } d ? d.Line : LineIn(path, e);
        var message = e is DagDefinitionException ? e.Message : $"{e.GetType().Name}: {e.Message}";
        return new ImportError(path, line, message);
    }

    /// <summary>The line in <paramref name="path"/> where the exception passed through, from the loaded symbols.</summary>
    private static int LineIn(string path, Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            var frame = new StackTrace(current, fNeedFileInfo: true).GetFrames()
                .FirstOrDefault(f => string.Equals(f.GetFileName(), path, StringComparison.Ordinal));
            if (frame is not null)
            {
                return frame.GetFileLineNumber();
            }
        }

        return 0;
    }

    private static bool ReferencesSdk(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new PEReader(stream);
        if (!reader.HasMetadata)
        {
            return false;
        }

        var metadata = reader.GetMetadataReader();
        return metadata.AssemblyReferences.Any(h => metadata.GetString(metadata.GetAssemblyReference(h).Name) == typeof(Dag).Assembly.GetName().Name);
    }

    private static string HashHex(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    /// <summary>One version of a folder's shared code: compiled and loaded, or its import errors.</summary>
    private sealed record SharedOutcome(SharedCode Code, Compilation.SharedReferences? References, SharedLoadContext? Context, IReadOnlyList<ImportError> Errors);

    private sealed record FileOutcome(IReadOnlyList<LoadedDag> Dags, IReadOnlyList<ImportError> Errors)
    {
        /// <summary>The file's content, when it could be read and built.</summary>
        public DagCode? Code { get; init; }

        public static FileOutcome Empty { get; } = new([], []);

        public static FileOutcome Failed(ImportError error) => new([], [error]);
    }
}
