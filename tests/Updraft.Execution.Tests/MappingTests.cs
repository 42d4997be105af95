using Updraft.Core.DagRuns;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Testing;
using Updraft.Tests.Shared;

namespace Updraft.Execution.Tests;

/// <summary>Dynamic task mapping in <c>dag.Test()</c>: expansion, collected results, empty and oversized inputs.</summary>
public sealed class MappingTests
{
    private static readonly DateTimeOffset Date = new(2025, 1, 2, 0, 0, 0, TimeSpan.Zero);

    private readonly List<string> _log = [];

    private DagTestResult Run(Dag dag, int maxMapLength = 1024) =>
        dag.Test(Date, options: new DagTestOptions { Log = new LineSink(_log), Defaults = new DagDefaults { MaxMapLength = maxMapLength } });

    private sealed record FileInfo(string Name, int Size);

    [Fact]
    public void MapOverUpstreamResult_EachElementAnInstance_DownstreamGetsTheCollectedTypedResults()
    {
        var dag = new Dag("map");
        var files = dag.Task("list_files", _ => new[] { new FileInfo("a.csv", 10), new FileInfo("b.csv", 25), new FileInfo("c.csv", 7) });
        var sizes = dag.Map("size", files, (TaskContext ctx, FileInfo f) =>
        {
            ctx.Log.Info($"instance {ctx.MapIndex} reads {f.Name}");
            return f.Size * 2;
        });
        dag.Task("total", sizes, (int[] all) => all.Sum());

        var result = Run(dag);

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal([TaskInstanceState.Success, TaskInstanceState.Success, TaskInstanceState.Success], result.MappedStates("size"));
        Assert.Equal([20, 50, 14], result.XComValue<int[]>("size") ?? []);
        Assert.Equal(84, result.XComValue<int>("total"));
        Assert.Contains("instance 1 reads b.csv", _log);
        Assert.Equal("3 success", result.MappedSummary("size"));
    }

    [Fact]
    public void MapOverLiteral_AndOverAMappedTasksResults()
    {
        var dag = new Dag("chain");
        var doubled = dag.Map("double", new[] { 1, 2, 3, 4 }, (int n) => n * 2);
        var squared = dag.Map("square", doubled, (int n) => n * n);
        dag.Task("sum", squared, (IEnumerable<int> s) => s.Sum());

        var result = Run(dag);

        Assert.True(result.XComValue<int[]>("square") is [4, 16, 36, 64], string.Join("\n", _log));
        Assert.Equal(120, result.XComValue<int>("sum"));
    }

    [Fact]
    public void Product_EveryCombinationFirstListSlowest_ZipPairsByPositionAsLongAsTheShortest()
    {
        var dag = new Dag("combine");
        var regions = dag.Task("regions", _ => new[] { "eu", "us" });
        var product = dag.Map("product", MapInput.Over(regions).Product(MapInput.Over(new[] { 1, 2, 3 })), ((string Region, int Day) p) => $"{p.Region}{p.Day}");
        var zip = dag.Map("zip", MapInput.Over(regions).Zip(MapInput.Over(new[] { 10, 20, 30 })), ((string Region, int N) p) => $"{p.Region}:{p.N}");

        var result = Run(dag);

        Assert.Equal(["eu1", "eu2", "eu3", "us1", "us2", "us3"], result.XComValue<string[]>("product") ?? []);
        Assert.Equal(["eu:10", "us:20"], result.XComValue<string[]>("zip") ?? []);
        Assert.Equal(6, result.MappedStates(product.TaskId).Count);
        Assert.Equal(2, result.MappedStates(zip.TaskId).Count);
    }

    [Fact]
    public void EmptyList_SkipsTheMappedTaskAndByTriggerRuleItsDownstream()
    {
        var dag = new Dag("empty");
        var none = dag.Task("nothing", _ => Array.Empty<string>());
        var each = dag.Map("each", none, (string s) => s.Length);
        dag.Task("after", each, (int[] n) => n.Length);

        var result = Run(dag);

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["each"]);
        Assert.Empty(result.MappedStates("each"));
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["after"]);
    }

    [Fact]
    public void ProducerPastMaxMapLength_FailsWithTheLimitInItsLog_MappedTaskUpstreamFailed()
    {
        var dag = new Dag("too_long");
        var many = dag.Task("many", _ => Enumerable.Range(0, 5).ToArray());
        dag.Map("each", many, (int n) => n);

        var result = Run(dag, maxMapLength: 3);

        Assert.Equal(DagRunState.Failed, result.State);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["many"]);
        Assert.Equal(TaskInstanceState.UpstreamFailed, result.TaskStates["each"]);
        Assert.Contains(_log, l => l.Contains("Task 'many' returned more than 3 items to map over, past [core] max_map_length (3).", StringComparison.Ordinal));
    }

    [Fact]
    public void MapOverAStringOrNothing_FailsTheProducerSayingItIsNotAList()
    {
        var dag = new Dag("not_a_list");
        var text = dag.Task("text", _ => "abc");
        dag.Map("each", text, (char c) => c);
        var nothing = dag.Task("nothing", _ => (string[]?)null);
        dag.Map("each_nothing", nothing!, (string s) => s);

        var result = Run(dag);

        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["text"]);
        Assert.Contains(_log, l => l.Contains("Task 'text' must return a list: a mapped task expands over its result, but it returned a String.", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.Contains("Task 'nothing' must return a list: a mapped task expands over its result, but it returned nothing.", StringComparison.Ordinal));
    }

    [Fact]
    public void LiteralPastMaxMapLength_IsAnImportError()
    {
        var dag = new Dag("literal");
        dag.Map("each", Enumerable.Range(0, 10).ToArray(), (int n) => n);
        var error = Assert.Throws<DagDefinitionException>(() => Core.Serialization.DagSerializer.Serialize(dag, new DagDefaults { MaxMapLength = 4 }));
        Assert.Contains("Task 'each' is mapped over 10 elements, more than [core] max_map_length (4).", error.Message);
    }

    [Fact]
    public void EachInstanceRetriesOnItsOwn()
    {
        var dag = new Dag("retry");
        dag.Map("flaky", new[] { 0, 1, 2 }, (TaskContext ctx, int n) =>
        {
            if (n == 1 && ctx.TryNumber == 1)
            {
                throw new TimeoutException("instance 1 fails once");
            }

            return n;
        }).With(t => t.Retries = 2);

        var result = Run(dag);

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(
            [1, 2, 1],
            Enumerable.Range(0, 3).Select(i => result.TaskInstanceTries[new TaskInstanceId("flaky", i)]));
    }
}
