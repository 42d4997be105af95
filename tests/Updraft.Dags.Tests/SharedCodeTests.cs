using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Updraft.Core.Serialization;
using Updraft.Dags.Discovery;
using Updraft.Dags.Loading;

namespace Updraft.Dags.Tests;

/// <summary>A DAGs folder's <c>_shared</c> code: compiled once, visible to every DAG file, versioned with the DAGs that use it.</summary>
public sealed class SharedCodeTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "updraft-shared-" + Guid.NewGuid().ToString("N"));

    public SharedCodeTests() => Directory.CreateDirectory(Dags);

    private string Dags => Path.Combine(_root, "dags");

    private string Cache => Path.Combine(_root, "cache");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private DagBagLoader Loader() => new(new DagBagOptions { CacheDirectory = Cache });

    private string Write(string relative, string source)
    {
        var path = Path.Combine(Dags, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, source);
        return path;
    }

    private static string DagFile(string dagId, string firstTaskId) => $$"""
        public sealed class Source_{{dagId}} : IDagSource
        {
            public IEnumerable<Dag> Build()
            {
                var dag = new Dag("{{dagId}}", schedule: null);
                dag.Empty({{firstTaskId}});
                yield return dag;
            }
        }
        """;

    private void WriteSharedHelpers(string suffix = "done")
    {
        Write("_shared/Naming.cs", $$"""
            namespace Acme.Common;
            public static class Naming
            {
                public static string TaskId(string stem) => Formats.Snake(stem) + "_{{suffix}}";
            }
            """);
        Write("_shared/Text/Formats.cs", """
            namespace Acme.Common;
            internal static class Formats
            {
                public static string Snake(string text) => text.Replace(' ', '_').ToLowerInvariant();
            }
            """);
    }

    [Fact]
    public void Load_DagFilesUseTheSharedCode_CompiledOnceAndNotTakenForDagFiles()
    {
        WriteSharedHelpers();
        Write("sales.cs", DagFile("sales", "Acme.Common.Naming.TaskId(\"Load Sales\")"));
        Write("team/stock.cs", DagFile("stock", "Acme.Common.Naming.TaskId(\"Load Stock\")"));

        var loader = Loader();
        var bag = loader.Load([Dags]);

        Assert.Empty(bag.ImportErrors);
        Assert.Equal(["sales", "stock"], bag.Dags.Keys.Order(StringComparer.Ordinal));
        Assert.Equal("load_sales_done", bag.GetDag("sales").Serialized.Tasks[0].TaskId);
        Assert.Equal("load_stock_done", bag.GetDag("stock").Serialized.Tasks[0].TaskId);
        Assert.DoesNotContain(bag.Files, f => f.Contains("/_shared/", StringComparison.Ordinal));
        Assert.Equal(3, loader.Compiler.Compilations);

        // Both DAGs record the same bundle, which is kept with the files' code.
        var sharedHash = bag.GetDag("sales").Serialized.SharedHash;
        Assert.NotNull(sharedHash);
        Assert.Equal(sharedHash, bag.GetDag("stock").Serialized.SharedHash);
        var bundle = Assert.Single(bag.Codes, c => c.SourceHash == sharedHash);
        Assert.True(SharedCode.IsBundle(bundle));
        Assert.Equal(["Naming.cs", "Text/Formats.cs"], SharedCode.FromDagCode(bundle).Files.Select(f => f.Path));

        // Another process with the same cache compiles nothing.
        var again = Loader();
        Assert.Empty(again.Load([Dags]).ImportErrors);
        Assert.Equal(0, again.Compiler.Compilations);
    }

    [Fact]
    public void Load_FileNotUsingTheSharedCode_RecordsNoBundleAndKeepsItsVersionWhenTheSharedCodeChanges()
    {
        WriteSharedHelpers();
        Write("plain.cs", DagFile("plain", "\"a\""));
        Write("user.cs", DagFile("user", "Acme.Common.Naming.TaskId(\"x\")"));
        var before = Loader().Load([Dags]);
        Assert.Null(before.GetDag("plain").Serialized.SharedHash);
        Assert.Contains(before.Codes, SharedCode.IsBundle);

        WriteSharedHelpers(suffix: "v2");
        var after = Loader().Load([Dags]);
        Assert.Equal(DagSerializer.ToJson(before.GetDag("plain").Serialized), DagSerializer.ToJson(after.GetDag("plain").Serialized));
        Assert.NotEqual(before.GetDag("user").Serialized.SharedHash, after.GetDag("user").Serialized.SharedHash);
        Assert.Equal("x_v2", after.GetDag("user").Serialized.Tasks[0].TaskId);
    }

    [Fact]
    public void Load_FileUsingOnlyASharedConstantOrUsingDirective_RecordsTheBundle_SoAWorkerCompilesItTheSame()
    {
        Write("_shared/Conns.cs", "namespace Acme.Common;\npublic static class Conns { public const string Warehouse = \"pg_wh\"; }\n");
        Write("constant.cs", DagFile("constant", "Acme.Common.Conns.Warehouse"));
        Write("directive.cs", "using Acme.Common;\n" + DagFile("directive", "\"a\""));
        Write("plain.cs", DagFile("plain", "\"a\""));
        var bag = Loader().Load([Dags]);

        Assert.Empty(bag.ImportErrors);
        Assert.Equal("pg_wh", bag.GetDag("constant").Serialized.Tasks[0].TaskId);
        Assert.NotNull(bag.GetDag("constant").Serialized.SharedHash);
        Assert.NotNull(bag.GetDag("directive").Serialized.SharedHash);
        Assert.Null(bag.GetDag("plain").Serialized.SharedHash);

        var bundle = bag.Codes.Single(SharedCode.IsBundle);
        var worker = new DagBagLoader(new DagBagOptions { CacheDirectory = Path.Combine(_root, "worker-cache") });
        foreach (var id in new[] { "constant", "directive" })
        {
            var file = bag.Codes.Single(c => c.SourceHash == bag.GetDag(id).Serialized.SourceHash);
            Assert.Empty(worker.LoadCode(file, bundle).ImportErrors);
        }

        // From the compile cache, the same answer.
        var cached = Loader().Load([Dags]);
        Assert.NotNull(cached.GetDag("constant").Serialized.SharedHash);
        Assert.Null(cached.GetDag("plain").Serialized.SharedHash);
    }

    [Fact]
    public void Load_SharedCodeDoesNotCompile_ItsFileHasTheErrorAndFilesNotUsingItStillLoad()
    {
        Write("_shared/Naming.cs", "namespace Acme.Common;\npublic static class Naming\n{\n    public static string TaskId(string stem) => stem + 1 -;\n}\n");
        Write("plain.cs", DagFile("plain", "\"a\""));
        var user = Write("user.cs", DagFile("user", "Acme.Common.Naming.TaskId(\"x\")"));

        var bag = Loader().Load([Dags]);

        Assert.Equal(["plain"], bag.Dags.Keys);
        var sharedError = Assert.Single(bag.ImportErrors, e => e.Filename == Path.Combine(Dags, "_shared", "Naming.cs"));
        Assert.Equal(4, sharedError.Line);
        Assert.Contains("Shared code does not compile", sharedError.Message, StringComparison.Ordinal);
        var userError = Assert.Single(bag.ImportErrors, e => e.Filename == user);
        Assert.Contains("Acme", userError.Message, StringComparison.Ordinal);
        Assert.Contains("The shared code in", userError.Message, StringComparison.Ordinal);
        Assert.Equal(2, bag.ImportErrors.Count);
    }

    [Fact]
    public void LoadCode_FromTheStoredFileAndBundle_BuildsTheVersionAsAWorkerDoes()
    {
        WriteSharedHelpers();
        Write("user.cs", DagFile("user", "Acme.Common.Naming.TaskId(\"x\")"));
        var parsed = Loader().Load([Dags]);
        var serialized = parsed.GetDag("user").Serialized;
        var file = parsed.Codes.Single(c => c.SourceHash == serialized.SourceHash);
        var bundle = parsed.Codes.Single(c => c.SourceHash == serialized.SharedHash);

        // The folder changes afterwards: the worker still builds the version its run was created from.
        WriteSharedHelpers(suffix: "v2");
        Directory.Delete(Path.Combine(Dags, "_shared"), recursive: true);
        var worker = new DagBagLoader(new DagBagOptions { CacheDirectory = Path.Combine(_root, "worker-cache") });
        var bag = worker.LoadCode(file, bundle);

        Assert.Empty(bag.ImportErrors);
        Assert.Equal("x_done", bag.GetDag("user").Serialized.Tasks[0].TaskId);
        Assert.Equal(serialized.SharedHash, bag.GetDag("user").Serialized.SharedHash);
    }

    [Fact]
    public void Load_SharedLibrary_IsReferencedByTheSharedCodeAndByDagFiles()
    {
        Directory.CreateDirectory(Path.Combine(Dags, "_shared", "lib"));
        File.WriteAllBytes(Path.Combine(Dags, "_shared", "lib", "Acme.Text.dll"), Library("Acme.Text", """
            namespace Acme.Text;
            public static class Shout
            {
                public static string Loud(string text) => text.ToUpperInvariant();
            }
            """));
        Write("_shared/Naming.cs", """
            namespace Acme.Common;
            public static class Naming
            {
                public static string TaskId(string stem) => Acme.Text.Shout.Loud(stem) + "_task";
            }
            """);
        Write("direct.cs", DagFile("direct", "Acme.Text.Shout.Loud(\"direct\")"));
        Write("through.cs", DagFile("through", "Acme.Common.Naming.TaskId(\"through\")"));

        var bag = Loader().Load([Dags]);

        Assert.Empty(bag.ImportErrors);
        Assert.Equal("DIRECT", bag.GetDag("direct").Serialized.Tasks[0].TaskId);
        Assert.Equal("THROUGH_task", bag.GetDag("through").Serialized.Tasks[0].TaskId);
        Assert.NotNull(bag.GetDag("direct").Serialized.SharedHash);
    }

    [Fact]
    public void Find_SkipsOnlyTheTopLevelSharedFolder()
    {
        Write("_shared/Helpers.cs", "namespace Acme;");
        Write("team/_shared/dag.cs", DagFile("nested", "\"a\""));
        Assert.Equal(["team/_shared/dag.cs"], DagFileFinder.Find(Dags).Select(p => Path.GetRelativePath(Dags, p)));
    }

    [Fact]
    public void FromDagCode_NotABundle_ClearError()
    {
        var code = new DagCode("abc", "/dags/x.cs", "class X {}"u8.ToArray());
        Assert.False(SharedCode.IsBundle(code));
        var e = Assert.Throws<InvalidDataException>(() => SharedCode.FromDagCode(code));
        Assert.Contains("not a shared-code bundle", e.Message, StringComparison.Ordinal);
    }

    private static byte[] Library(string name, string source)
    {
        var trusted = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var compilation = CSharpCompilation.Create(
            name,
            [CSharpSyntaxTree.ParseText(source)],
            trusted.Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Private.CoreLib.dll").Select(p => MetadataReference.CreateFromFile(p)),
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics));
        return stream.ToArray();
    }
}
