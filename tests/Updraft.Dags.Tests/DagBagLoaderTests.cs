using Updraft.Dags.Compilation;
using Updraft.Dags.Discovery;
using Updraft.Dags.Loading;

namespace Updraft.Dags.Tests;

public sealed class DagBagLoaderTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "updraft-dags-" + Guid.NewGuid().ToString("N"));

    public DagBagLoaderTests() => Directory.CreateDirectory(Path.Combine(_root, "dags"));

    private string Dags => Path.Combine(_root, "dags");

    private string Cache => Path.Combine(_root, "cache");

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private DagBagLoader Loader(TimeSpan? timeout = null, IgnoreSyntax syntax = IgnoreSyntax.Regexp) =>
        new(new DagBagOptions { CacheDirectory = Cache, ImportTimeout = timeout ?? TimeSpan.FromSeconds(30), IgnoreSyntax = syntax });

    private string Write(string relative, string source)
    {
        var path = Path.Combine(Dags, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, source);
        return path;
    }

    private static string DagFile(string dagId, string body = "") => $$"""
        public sealed class Source_{{dagId}} : IDagSource
        {
            public IEnumerable<Dag> Build()
            {
                var dag = new Dag("{{dagId}}", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
                var a = dag.Empty("a");
                {{body}}
                yield return dag;
            }
        }
        """;

    [Fact]
    public void Load_ValidFile_DagIsSerializedWithItsFile()
    {
        var path = Write("one.cs", DagFile("one", "_ = a >> dag.Bash(\"b\", \"echo hi\");"));
        var bag = Loader().Load([Dags]);
        var loaded = bag.GetDag("one");
        Assert.Empty(bag.ImportErrors);
        Assert.Equal(path, loaded.Serialized.Fileloc);
        Assert.Equal(["a", "b"], loaded.Serialized.Tasks.Select(t => t.TaskId));
        Assert.Equal(64, loaded.Serialized.SourceHash.Length);
    }

    [Fact]
    public void Load_CompileError_ReportedWithLineWhileOtherFilesLoad()
    {
        Write("good.cs", DagFile("good"));
        var bad = Write("bad.cs", DagFile("bad", "int x = \"text\";"));
        var bag = Loader().Load([Dags]);
        Assert.True(bag.Dags.ContainsKey("good"));
        var error = Assert.Single(bag.ImportErrors);
        Assert.Equal(bad, error.Filename);
        Assert.Equal(7, error.Line);
        Assert.Contains("error CS0029", error.Message);
    }

    [Fact]
    public void Load_StatementShiftOperator_ErrorExplainsTheFix()
    {
        Write("shift.cs", DagFile("shift", "a >> dag.Empty(\"b\");"));
        var error = Assert.Single(Loader().Load([Dags]).ImportErrors);
        Assert.Contains("write 'a.Then(b);', '_ = a >> b;'", error.Message);
    }

    [Fact]
    public void Load_ExceptionWhileBuilding_ReportedAtTheThrowingLine()
    {
        Write("throws.cs", DagFile("throws", "throw new InvalidOperationException(\"no config\");"));
        var error = Assert.Single(Loader().Load([Dags]).ImportErrors);
        Assert.Equal("InvalidOperationException: no config", error.Message);
        Assert.Equal(7, error.Line);
    }

    [Fact]
    public void Load_Cycle_ReportedAtTheFaultyTasksLine()
    {
        Write("cycle.cs", DagFile("cycle", "var b = dag.Empty(\"b\"); _ = a >> b >> a;"));
        var error = Assert.Single(Loader().Load([Dags]).ImportErrors);
        Assert.Contains("Cycle detected in DAG 'cycle'. Faulty task: 'a' (a >> b >> a)", error.Message);
        Assert.Equal(6, error.Line);
    }

    [Fact]
    public void Load_DuplicateTaskId_ReportedAtTheSecondTask()
    {
        Write("dup.cs", DagFile("dup", "dag.Empty(\"a\");"));
        var error = Assert.Single(Loader().Load([Dags]).ImportErrors);
        Assert.Equal("Task id 'a' has already been added to the DAG 'dup'.", error.Message);
        Assert.Equal(7, error.Line);
    }

    [Fact]
    public void Load_BadCron_ReportedAtTheDagsLine()
    {
        Write("cron.cs", DagFile("cron").Replace("@daily", "0 0 32 * *", StringComparison.Ordinal));
        var error = Assert.Single(Loader().Load([Dags]).ImportErrors);
        Assert.Contains("Invalid cron expression '0 0 32 * *': 32 is out of range for the day-of-month field", error.Message);
        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void Load_FileThatNeverFinishes_StoppedAfterTimeoutAndReported()
    {
        Write("hang.cs", DagFile("hang", "while (true) { Thread.SpinWait(1000); }"));
        Write("fine.cs", DagFile("fine"));
        var bag = Loader(timeout: TimeSpan.FromSeconds(1)).Load([Dags]);
        Assert.True(bag.Dags.ContainsKey("fine"));
        var error = Assert.Single(bag.ImportErrors);
        Assert.Contains("took longer than 1 s ([core] dagbag_import_timeout)", error.Message);
    }

    [Fact]
    public void Load_UnchangedFile_NotRecompiledByANewProcess()
    {
        Write("one.cs", DagFile("one"));
        var first = Loader();
        first.Load([Dags]);
        Assert.Equal(1, first.Compiler.Compilations);

        var second = Loader();
        var bag = second.Load([Dags]);
        Assert.Equal(0, second.Compiler.Compilations);
        Assert.True(bag.Dags.ContainsKey("one"));
    }

    [Fact]
    public void Load_ChangedFile_Recompiled()
    {
        var path = Write("one.cs", DagFile("one"));
        Loader().Load([Dags]);
        File.WriteAllText(path, DagFile("one", "dag.Empty(\"b\");"));
        var loader = Loader();
        var bag = loader.Load([Dags]);
        Assert.Equal(1, loader.Compiler.Compilations);
        Assert.Equal(2, bag.GetDag("one").Serialized.Tasks.Count);
    }

    [Fact]
    public void Load_UnchangedBrokenFile_ErrorComesFromCache()
    {
        Write("bad.cs", "this is not C#");
        var first = Loader().Load([Dags]).ImportErrors.Single();
        var loader = Loader();
        var second = loader.Load([Dags]).ImportErrors.Single();
        Assert.Equal(0, loader.Compiler.Compilations);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Load_SameLoaderTwice_ReusesLoadedDags()
    {
        Write("one.cs", DagFile("one"));
        var loader = Loader();
        var first = loader.Load([Dags]).GetDag("one").Dag;
        Assert.Same(first, loader.Load([Dags]).GetDag("one").Dag);
    }

    [Fact]
    public void Load_DuplicateDagIdAcrossFiles_SecondReported()
    {
        Write("a.cs", DagFile("same"));
        var second = Write("b.cs", DagFile("same").Replace("Source_same", "Other_same", StringComparison.Ordinal));
        var bag = Loader().Load([Dags]);
        Assert.Single(bag.Dags);
        var error = Assert.Single(bag.ImportErrors);
        Assert.Equal(second, error.Filename);
        Assert.Contains("is already defined in", error.Message);
    }

    [Fact]
    public void Load_FileWithoutDagSource_GivesNothingAndNoError()
    {
        Write("helpers.cs", "public static class Helpers { public static int Two() => 2; }");
        var bag = Loader().Load([Dags]);
        Assert.Empty(bag.Dags);
        Assert.Empty(bag.ImportErrors);
    }

    [Fact]
    public void Load_PrebuiltAssembly_Accepted()
    {
        var compiled = new DagCompiler(null).Compile(Path.Combine(_root, "src", "prebuilt.cs"), DagFile("prebuilt"));
        File.WriteAllBytes(Path.Combine(Dags, "prebuilt.dll"), compiled.Assembly!);
        File.Copy(typeof(System.Text.Json.JsonSerializer).Assembly.Location, Path.Combine(Dags, "System.Text.Json.dll"));
        var bag = Loader().Load([Dags]);
        Assert.Empty(bag.ImportErrors);
        Assert.Equal(Path.Combine(Dags, "prebuilt.dll"), bag.GetDag("prebuilt").Serialized.Fileloc);
    }

    [Fact]
    public void Load_BrokenAssembly_Reported()
    {
        File.WriteAllText(Path.Combine(Dags, "broken.dll"), "not an assembly");
        Assert.Single(Loader().Load([Dags]).ImportErrors);
    }

    [Fact]
    public void Find_RegexpIgnoreFile_SkipsMatchesBelowIt()
    {
        Write("keep.cs", "");
        Write("sub/skip_me.cs", "");
        Write("sub/keep_too.cs", "");
        Write("sub/.updraftignore", "skip_.*\n# a comment\n");
        Write("other/skip_me.cs", "");
        var names = DagFileFinder.Find(Dags).Select(p => Path.GetRelativePath(Dags, p)).ToList();
        Assert.Equal(["keep.cs", "other/skip_me.cs", "sub/keep_too.cs"], names);
    }

    [Fact]
    public void Find_GlobIgnoreFile_MatchesNamesAndFolders()
    {
        Write(".updraftignore", "*_draft.cs\nvendor/\n");
        Write("ok.cs", "");
        Write("x_draft.cs", "");
        Write("deep/y_draft.cs", "");
        Write("vendor/lib.cs", "");
        var names = DagFileFinder.Find(Dags, IgnoreSyntax.Glob).Select(p => Path.GetRelativePath(Dags, p)).ToList();
        Assert.Equal(["ok.cs"], names);
    }

    [Fact]
    public void Find_BuildOutputAndHiddenFolders_Skipped()
    {
        Write("a.cs", "");
        Write("bin/b.cs", "");
        Write("obj/c.cs", "");
        Write(".git/d.cs", "");
        Assert.Equal(["a.cs"], DagFileFinder.Find(Dags).Select(p => Path.GetRelativePath(Dags, p)));
    }

    [Fact]
    public void GetDag_Unknown_MentionsImportErrors()
    {
        Write("bad.cs", "nope");
        var error = Assert.Throws<DagNotFoundException>(() => Loader().Load([Dags]).GetDag("missing"));
        Assert.Contains("DAG 'missing' not found; 1 file(s) failed to import", error.Message);
    }
}
