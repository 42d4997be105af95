using Updraft.Core.DagRuns;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.TriggerRules;
using Updraft.Execution.Testing;
using Updraft.Tests.Shared;

namespace Updraft.Execution.Tests;

/// <summary>Mapped task groups in <c>dag.Test()</c>: per-instance data and dependencies, collected results, bad definitions.</summary>
public sealed class MappedTaskGroupTests
{
    private readonly List<string> _log = [];

    private DagTestResult Run(Dag dag, int maxMapLength = 1024) =>
        dag.Test(new DateTimeOffset(2025, 1, 2, 0, 0, 0, TimeSpan.Zero), options: new DagTestOptions { Log = new LineSink(_log), Defaults = new DagDefaults { MaxMapLength = maxMapLength } });

    /// <summary>list_files → per_file[extract → transform → load] → report.</summary>
    private static Dag FilesDag(Func<string, int>? extract = null)
    {
        var dag = new Dag("files");
        var files = dag.Task("list_files", _ => new[] { "a.csv", "bb.csv", "ccc.csv" });
        ITaskResult<int[]>? loaded = null;
        var group = dag.MapGroup("per_file", files, (g, file) =>
        {
            var rows = dag.Task("extract", file, (TaskContext ctx, string name) =>
            {
                ctx.Log.Info($"instance {ctx.MapIndex} extracts {name}");
                return (extract ?? (n => n.Length))(name);
            });
            var doubled = dag.Task("transform", rows, (int n) => n * 2);
            var load = dag.Task("load", file, doubled, (TaskContext ctx, string name, int n) =>
            {
                ctx.Log.Info($"instance {ctx.MapIndex} loads {n} rows of {name}");
                return n + 1;
            });
            loaded = g.Collect(load);
        });
        dag.Task("report", loaded!, (int[] all) => string.Join(",", all));
        _ = group;
        return dag;
    }

    [Fact]
    public void EachInstanceGetsItsElement_AndItsUpstreamInstancesResult_OutsideGetsTheCollectedResults()
    {
        var dag = FilesDag();

        var result = Run(dag);

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        Assert.Equal(["per_file.extract", "per_file.load", "per_file.transform"], dag.Tasks.Where(t => t.IsMapped).Select(t => t.TaskId).Order(StringComparer.Ordinal));
        Assert.Equal("3 success", result.MappedSummary("per_file.extract"));
        Assert.Equal("3 success", result.MappedSummary("per_file.load"));
        Assert.Contains("instance 1 extracts bb.csv", _log);
        Assert.Contains("instance 2 loads 14 rows of ccc.csv", _log);
        Assert.Equal([10, 12, 14], result.XComValue<int[]>("per_file.transform") ?? []);
        Assert.Equal("11,13,15", result.XComValue<string>("report"));
    }

    [Fact]
    public void OneInstanceFails_OnlyItsDownstreamInstanceIsUpstreamFailed_TheOthersGoOn()
    {
        var dag = FilesDag(name => name == "bb.csv" ? throw new InvalidOperationException("bad file") : name.Length);

        var result = Run(dag);

        Assert.Equal(DagRunState.Failed, result.State);
        Assert.Equal([TaskInstanceState.Success, TaskInstanceState.Failed, TaskInstanceState.Success], result.MappedStates("per_file.extract"));
        Assert.Equal([TaskInstanceState.Success, TaskInstanceState.UpstreamFailed, TaskInstanceState.Success], result.MappedStates("per_file.transform"));
        Assert.Equal([TaskInstanceState.Success, TaskInstanceState.UpstreamFailed, TaskInstanceState.Success], result.MappedStates("per_file.load"));
        Assert.Equal(TaskInstanceState.UpstreamFailed, result.TaskStates["report"]);
    }

    [Fact]
    public void EmptyInput_SkipsEveryTaskOfTheGroup()
    {
        var dag = new Dag("empty_group");
        var none = dag.Task("list", _ => Array.Empty<int>());
        dag.MapGroup("each", none, (g, n) =>
        {
            var a = dag.Task("a", n, (int x) => x);
            dag.Task("b", a, (int x) => x);
            dag.Bash("c", "echo never");
        });

        var result = Run(dag);

        Assert.Equal(DagRunState.Success, result.State);
        Assert.All(new[] { "each.a", "each.b", "each.c" }, t => Assert.Equal(TaskInstanceState.Skipped, result.TaskStates[t]));
    }

    [Fact]
    public void LiteralAndZippedInputs_TasksWithoutTheArgumentAreMappedToo()
    {
        var dag = new Dag("literal_group");
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        dag.MapGroup("pairs", MapInput.Over(new[] { "x", "y" }).Zip(MapInput.Over(new[] { 1, 2, 3 })), (g, pair) =>
        {
            var first = dag.Task("first", pair, ((string Name, int Count) p) => $"{p.Name}{p.Count}");
            dag.Task("tick", (TaskContext ctx) => seen.Add($"tick {ctx.MapIndex}"));
        });

        var result = Run(dag);

        Assert.Equal(["x1", "y2"], result.XComValue<string[]>("pairs.first") ?? []);
        Assert.Equal(["tick 0", "tick 1"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Serialized_GroupAndTasksCarryTheMapping()
    {
        var serialized = DagSerializer.Serialize(FilesDag(), new DagDefaults());
        Assert.True(serialized.TaskGroups.Single(g => g.GroupId == "per_file").IsMapped);
        var load = serialized.GetTask("per_file.load");
        Assert.Equal(("per_file", true), (load.MapGroupId, load.IsMapped));
        Assert.Equal(["list_files"], load.MapInputs.Select(i => i.TaskId));
        Assert.Equal(["list_files"], serialized.GetTask("per_file.extract").UpstreamTaskIds);
        Assert.Null(serialized.GetTask("report").MapGroupId);
        Assert.False(serialized.GetTask("report").IsMapped);
    }

    [Fact]
    public void PastMaxMapLength_TheProducerFailsWithTheLimit_TheGroupDoesNotRun()
    {
        var result = Run(FilesDag(), maxMapLength: 2);

        Assert.Equal(DagRunState.Failed, result.State);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["list_files"]);
        Assert.Equal(TaskInstanceState.UpstreamFailed, result.TaskStates["per_file.extract"]);
        Assert.Contains(_log, l => l.Contains("Task 'list_files' returned more than 2 items to map over, past [core] max_map_length (2).", StringComparison.Ordinal));

        var literal = Assert.Throws<DagDefinitionException>(() =>
            DagSerializer.Serialize(new Dag("wide").MapGroup("each", Enumerable.Range(0, 5), (g, n) => g.Dag.Empty("x")).Dag, new DagDefaults { MaxMapLength = 4 }));
        Assert.Contains("Task group 'each' is mapped over 5 elements, more than [core] max_map_length (4).", literal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BadDefinitions_ClearErrors()
    {
        var outside = Assert.Throws<DagDefinitionException>(() =>
        {
            var dag = new Dag("bad1");
            CallableTask<int>? inner = null;
            dag.MapGroup("g", new[] { 1, 2 }, (g, n) => inner = dag.Task("a", n, (int x) => x));
            dag.Task("after", inner!, (int x) => x);
        });
        Assert.Contains("take group.Collect(task)", outside.Message, StringComparison.Ordinal);

        var nested = Assert.Throws<DagDefinitionException>(() =>
        {
            var dag = new Dag("bad2");
            dag.MapGroup("outer", new[] { 1 }, (g, n) => dag.MapGroup("inner", new[] { 2 }, (h, m) => dag.Empty("x")));
        });
        Assert.Contains("mapped task groups do not nest", nested.Message, StringComparison.Ordinal);

        var mappedInside = Assert.Throws<DagDefinitionException>(() =>
        {
            var dag = new Dag("bad3");
            dag.MapGroup("g", new[] { 1 }, (g, n) => dag.Map("m", new[] { 1, 2 }, (int x) => x));
        });
        Assert.Contains("is mapped inside mapped task group 'g'", mappedInside.Message, StringComparison.Ordinal);

        var argumentOutside = Assert.Throws<DagDefinitionException>(() =>
        {
            var dag = new Dag("bad4");
            MapArgument<int>? escaped = null;
            dag.MapGroup("g", new[] { 1 }, (g, n) => { escaped = n; dag.Empty("x"); });
            dag.Task("later", escaped!, (int x) => x);
        });
        Assert.Contains("takes the argument of mapped task group 'g' but is not inside that group", argumentOutside.Message, StringComparison.Ordinal);

        var collectedInside = Assert.Throws<DagDefinitionException>(() =>
        {
            var dag = new Dag("bad6");
            dag.MapGroup("g", new[] { 1 }, (g, n) =>
            {
                var a = dag.Task("a", n, (int x) => x);
                dag.Task("b", g.Collect(a), (int[] all) => all.Length);
            });
        });
        Assert.Contains("collects the results of 'g.a' from inside the same mapped task group", collectedInside.Message, StringComparison.Ordinal);

        var mapOverInstance = Assert.Throws<DagDefinitionException>(() =>
        {
            var dag = new Dag("bad7");
            CallableTask<int[]>? lists = null;
            dag.MapGroup("g", new[] { 1 }, (g, n) => lists = dag.Task("a", n, (int x) => new[] { x }));
            dag.Map("m", lists!, (int x) => x);
        });
        Assert.Contains("map over group.Collect(task)", mapOverInstance.Message, StringComparison.Ordinal);

        var empty = Assert.Throws<DagDefinitionException>(() => new Dag("bad5").MapGroup("g", new[] { 1 }, (g, n) => { }));
        Assert.Contains("has no tasks", empty.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BranchInsideTheGroup_ChoosesForItsOwnInstanceOnly()
    {
        var dag = new Dag("group_branch");
        var files = new[] { "a.csv", "b.json", "c.csv" };
        dag.MapGroup("per_file", files, (g, file) =>
        {
            var pick = dag.Branch("pick", ctx => files[ctx.MapIndex].EndsWith(".csv", StringComparison.Ordinal) ? "per_file.load_csv" : "per_file.load_json");
            pick.Then(dag.Task("load_csv", file, (string name) => "csv " + name));
            pick.Then(dag.Task("load_json", file, (string name) => "json " + name));
        });

        var result = Run(dag);

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        Assert.Equal([TaskInstanceState.Success, TaskInstanceState.Skipped, TaskInstanceState.Success], result.MappedStates("per_file.load_csv"));
        Assert.Equal([TaskInstanceState.Skipped, TaskInstanceState.Success, TaskInstanceState.Skipped], result.MappedStates("per_file.load_json"));
    }

    [Fact]
    public void TriggerRuleWithUpstreamInAndOutsideTheGroup_JudgedPerInstanceWithAllOfThem()
    {
        var dag = new Dag("alerts");
        var config = dag.Task("config", _ => "ok");
        dag.MapGroup("per_file", new[] { "a", "bb", "c" }, (g, file) =>
        {
            var extract = dag.Task("extract", file, (string name) => name == "bb" ? throw new InvalidOperationException("bad file") : name.Length);
            var alert = dag.Task("alert", ctx => ctx.Log.Info($"alert for instance {ctx.MapIndex}")).With(t => t.TriggerRule = TriggerRule.OneFailed);
            extract.Then(alert);
            config.Then(alert);
        });

        var result = Run(dag);

        Assert.Equal([TaskInstanceState.Success, TaskInstanceState.Failed, TaskInstanceState.Success], result.MappedStates("per_file.extract"));
        Assert.Equal([TaskInstanceState.Skipped, TaskInstanceState.Success, TaskInstanceState.Skipped], result.MappedStates("per_file.alert"));
        Assert.Contains("alert for instance 1", _log);
    }
}
