using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Emit;
using Microsoft.CodeAnalysis.Text;
using Updraft.Core.Dags;

namespace Updraft.Dags.Compilation;

/// <summary>
/// Compiles one DAG source file into its own assembly with Roslyn, against the framework and the Updraft SDK,
/// with the SDK's namespaces imported. Results — assemblies and compile errors alike — are cached on disk by a
/// hash of the file's path and content and of the compiler and SDK versions, so an unchanged file is never
/// compiled twice.
/// </summary>
public sealed class DagCompiler
{
    /// <summary>The namespaces every DAG file can use without a using directive.</summary>
    public static IReadOnlyList<string> ImplicitUsings { get; } =
    [
        "System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Text.Json",
        "System.Text.Json.Nodes", "System.Threading", "System.Threading.Tasks",
        "Updraft.Core.Connections", "Updraft.Core.Dags", "Updraft.Core.Runtime", "Updraft.Core.States", "Updraft.Core.Timetables",
        "Updraft.Core.Assets", "Updraft.Core.TriggerRules", "Updraft.Core.Triggers", "Updraft.Providers",
    ];

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Latest);
    private static readonly string ImplicitUsingsSource = string.Concat(ImplicitUsings.Select(u => $"global using {u};\n"));

    private readonly string? _cacheDirectory;
    private readonly Lazy<List<MetadataReference>> _references = new(LoadReferences);
    private readonly Lazy<SyntaxTree> _usingsTree = new(() => CSharpSyntaxTree.ParseText(SourceText.From(ImplicitUsingsSource, Encoding.UTF8), ParseOptions, "ImplicitUsings.g.cs"));
    private int _compilations;

    /// <param name="cacheDirectory">Where compiled files are kept between processes; null keeps nothing.</param>
    public DagCompiler(string? cacheDirectory)
    {
        _cacheDirectory = cacheDirectory;
        if (cacheDirectory is not null)
        {
            Directory.CreateDirectory(cacheDirectory);
        }
    }

    /// <summary>How many files this compiler has actually compiled (cache hits excluded).</summary>
    public int Compilations => Volatile.Read(ref _compilations);

    /// <summary>What identifies this compiler and SDK build: part of every cache key.</summary>
    public static string ToolchainKey { get; } = string.Join(
        '|',
        typeof(Dag).Assembly.ManifestModule.ModuleVersionId,
        typeof(DagCompiler).Assembly.ManifestModule.ModuleVersionId,
        typeof(Updraft.Providers.HttpOperator).Assembly.ManifestModule.ModuleVersionId,
        typeof(CSharpCompilation).Assembly.GetName().Version,
        Environment.Version);

    /// <summary>The cache key of a DAG file compiled against <paramref name="sharedHash"/>'s shared code (null: none).</summary>
    public static string CacheKey(string path, string source, string? sharedHash = null) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{ToolchainKey}\n{path}\n{sharedHash}\n{source}")));

    /// <summary>Compiles one DAG file, seeing <paramref name="shared"/> (its folder's compiled shared code) when given.</summary>
    public CompileResult Compile(string path, string source, SharedReferences? shared = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(source);
        var key = CacheKey(path, source, shared?.Hash);
        if (TryReadCache(key) is { } cached)
        {
            return cached;
        }

        var tree = CSharpSyntaxTree.ParseText(SourceText.From(source, Encoding.UTF8), ParseOptions, path);
        var sharedReferences = shared is null
            ? []
            : new List<MetadataReference> { MetadataReference.CreateFromImage(shared.Assembly) }.Concat(shared.Libraries.Select(l => MetadataReference.CreateFromImage(l))).ToList();
        var result = Emit("UpdraftDag_" + key[..16], [_usingsTree.Value, tree], [.. _references.Value, .. sharedReferences], singleFile: true, sharedReferences);
        WriteCache(key, result);
        return result;
    }

    /// <summary>
    /// Compiles a DAGs folder's shared code into one assembly (named <c>UpdraftShared_</c> and the start of its hash)
    /// that references the folder's shared libraries; cached by the bundle's hash like a DAG file.
    /// </summary>
    public CompileResult CompileShared(Loading.SharedCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        var key = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{ToolchainKey}\nshared\n{code.Hash}")));
        if (TryReadCache(key) is { } cached)
        {
            return cached;
        }

        var trees = code.Sources
            .Select(f => CSharpSyntaxTree.ParseText(SourceText.From(f.Content, f.Content.Length, Encoding.UTF8, canBeEmbedded: true), ParseOptions, f.FullPath(code.Folder)))
            .Prepend(_usingsTree.Value);
        List<MetadataReference> references = [.. _references.Value, .. code.Libraries.Select(l => MetadataReference.CreateFromImage(l.Content))];
        var result = Emit(SharedAssemblyName(code.Hash), trees, references, singleFile: false, []);
        WriteCache(key, result);
        return result;
    }

    /// <summary>The name of the assembly a shared-code bundle compiles to.</summary>
    public static string SharedAssemblyName(string sharedHash) => "UpdraftShared_" + sharedHash[..16];

    /// <summary>
    /// Compiles; a successful result says whether the code used any of <paramref name="shared"/> — by the compiler's
    /// own account, which counts constants, <c>nameof</c> and using directives that leave no reference in the assembly.
    /// </summary>
    private CompileResult Emit(string assemblyName, IEnumerable<SyntaxTree> trees, IEnumerable<MetadataReference> references, bool singleFile, List<MetadataReference> shared)
    {
        Interlocked.Increment(ref _compilations);
        var compilation = CSharpCompilation.Create(
            assemblyName,
            trees,
            references,
            new CSharpCompilationOptions(
                OutputKind.DynamicallyLinkedLibrary,
                optimizationLevel: OptimizationLevel.Debug,
                nullableContextOptions: NullableContextOptions.Enable,
                concurrentBuild: false,
                deterministic: true));

        using var pe = new MemoryStream();
        using var pdb = new MemoryStream();
        var emitted = compilation.Emit(pe, pdb, options: new EmitOptions(debugInformationFormat: DebugInformationFormat.PortablePdb));
        if (!emitted.Success)
        {
            return new CompileResult(null, null, Errors(emitted.Diagnostics, singleFile), FromCache: false);
        }

        var usesShared = shared.Count > 0 && (compilation.GetUsedAssemblyReferences().Any(shared.Contains) || UsingsReach(compilation, shared));
        return new CompileResult(pe.ToArray(), pdb.ToArray(), [], FromCache: false) { UsesShared = usesShared };
    }

    /// <summary>Whether a using directive names a namespace or type of <paramref name="shared"/> (the file would not compile without it).</summary>
    private static bool UsingsReach(CSharpCompilation compilation, List<MetadataReference> shared)
    {
        var assemblies = shared.Select(compilation.GetAssemblyOrModuleSymbol).OfType<IAssemblySymbol>().ToHashSet(SymbolEqualityComparer.Default);
        foreach (var tree in compilation.SyntaxTrees)
        {
            var model = compilation.GetSemanticModel(tree);
            foreach (var directive in tree.GetRoot().DescendantNodes().OfType<Microsoft.CodeAnalysis.CSharp.Syntax.UsingDirectiveSyntax>())
            {
                if (directive.NamespaceOrType is null)
                {
                    continue;
                }

                var symbol = model.GetSymbolInfo(directive.NamespaceOrType).Symbol;
                var reached = symbol switch
                {
                    INamespaceSymbol ns => ns.ConstituentNamespaces.Any(c => c.ContainingAssembly is { } a && assemblies.Contains(a)),
                    { ContainingAssembly: { } a } => assemblies.Contains(a),
                    _ => false,
                };
                if (reached)
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static List<CompileError> Errors(IEnumerable<Diagnostic> diagnostics, bool singleFile) => diagnostics
        .Where(d => d.Severity == DiagnosticSeverity.Error)
        .OrderBy(d => d.Location.SourceSpan.Start)
        .Select(d =>
        {
            var span = d.Location.GetLineSpan();
            var message = d.GetMessage(System.Globalization.CultureInfo.InvariantCulture);
            if (d.Id == "CS0201" && d.Location.SourceTree?.GetText().ToString(d.Location.SourceSpan) is { } code
                && (code.Contains(">>", StringComparison.Ordinal) || code.Contains("<<", StringComparison.Ordinal)))
            {
                message += " (C# does not allow 'a >> b;' on its own: write 'a.Then(b);', '_ = a >> b;' or 'dag.Chain(a, b);')";
            }

            return new CompileError(span.StartLinePosition.Line + 1, span.StartLinePosition.Character + 1, d.Id, message)
            {
                File = singleFile || string.IsNullOrEmpty(span.Path) ? null : span.Path,
            };
        })
        .ToList();

    private CompileResult? TryReadCache(string key)
    {
        if (_cacheDirectory is null)
        {
            return null;
        }

        var dll = Path.Combine(_cacheDirectory, key + ".dll");
        var errors = Path.Combine(_cacheDirectory, key + ".errors.json");
        try
        {
            if (File.Exists(dll))
            {
                var pdb = Path.Combine(_cacheDirectory, key + ".pdb");
                return new CompileResult(File.ReadAllBytes(dll), File.Exists(pdb) ? File.ReadAllBytes(pdb) : null, [], FromCache: true)
                {
                    UsesShared = File.Exists(Path.Combine(_cacheDirectory, key + ".uses-shared")),
                };
            }

            if (File.Exists(errors))
            {
                var list = JsonSerializer.Deserialize<List<CompileError>>(File.ReadAllText(errors)) ?? [];
                return new CompileResult(null, null, list, FromCache: true);
            }
        }
        catch (IOException)
        {
            // A cache entry being written by another process right now: compile instead.
        }
        catch (JsonException)
        {
            // A damaged entry is rewritten by compiling again.
        }

        return null;
    }

    private void WriteCache(string key, CompileResult result)
    {
        if (_cacheDirectory is null)
        {
            return;
        }

        try
        {
            if (result.Succeeded)
            {
                if (result.Symbols is not null)
                {
                    WriteAtomically(Path.Combine(_cacheDirectory, key + ".pdb"), result.Symbols);
                }

                if (result.UsesShared)
                {
                    WriteAtomically(Path.Combine(_cacheDirectory, key + ".uses-shared"), []);
                }

                // The .dll is written last: its presence means the entry is complete.
                WriteAtomically(Path.Combine(_cacheDirectory, key + ".dll"), result.Assembly!);
            }
            else
            {
                WriteAtomically(Path.Combine(_cacheDirectory, key + ".errors.json"), JsonSerializer.SerializeToUtf8Bytes(result.Errors));
            }
        }
        catch (IOException)
        {
            // The cache is an optimisation; a full disk or a race with another process must not fail the load.
        }
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        var temp = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temp, bytes);
        File.Move(temp, path, overwrite: true);
    }

    private static List<MetadataReference> LoadReferences()
    {
        var trusted = ((string?)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        var frameworkDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var paths = trusted.Where(p => Path.GetDirectoryName(p) == frameworkDir).ToHashSet(StringComparer.Ordinal);
        paths.Add(typeof(Dag).Assembly.Location);
        paths.Add(typeof(Updraft.Providers.HttpOperator).Assembly.Location);
        return paths.Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }
}
