using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Core.TriggerRules;
using Updraft.Execution.Testing;

namespace Updraft.Execution.Tests;

/// <summary>Branching, short-circuits and task groups in <c>dag.Test()</c>: Airflow's skip semantics, run to the end.</summary>
public sealed class BranchingTests
{
    private static readonly DateTimeOffset Date = new(2025, 1, 2, 0, 0, 0, TimeSpan.Zero);

    private readonly LogSink _log = new();

    private DagTestResult Run(Dag dag) => dag.Test(Date, options: new DagTestOptions { Log = _log });

    /// <summary>branch &gt;&gt; [a, b, c]; a &gt;&gt; a2; [a2, b, c] &gt;&gt; join (none_failed_min_one_success).</summary>
    private static Dag Fork(Func<TaskContext, IEnumerable<string>?> choose)
    {
        var dag = new Dag("fork");
        var branch = dag.Branch("branch", choose);
        var a = dag.Empty("a");
        var join = dag.Empty("join");
        join.TriggerRule = TriggerRule.NoneFailedMinOneSuccess;
        branch.Then([a, dag.Empty("b"), dag.Empty("c")]);
        a.Then(dag.Empty("a2")).Then(join);
        dag.Chain(new TaskSet { dag.GetTask("b"), dag.GetTask("c") }, join);
        return dag;
    }

    private static Dictionary<string, TaskInstanceState> States(DagTestResult result, params string[] ids) =>
        ids.ToDictionary(id => id, id => result.TaskStates[id]);

    [Fact]
    public void Branch_ToOne_SkipsTheOthersAndTheJoinRuns()
    {
        var result = Run(Fork(_ => ["a"]));

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(
            new Dictionary<string, TaskInstanceState>
            {
                ["a"] = TaskInstanceState.Success, ["a2"] = TaskInstanceState.Success, ["b"] = TaskInstanceState.Skipped,
                ["c"] = TaskInstanceState.Skipped, ["join"] = TaskInstanceState.Success,
            },
            States(result, "a", "a2", "b", "c", "join"));
        Assert.Equal(["a"], result.XComValue<string[]>("branch") ?? []);
    }

    [Fact]
    public void Branch_ToSeveral_RunsEachChosenPath()
    {
        var result = Run(Fork(_ => ["b", "c"]));

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["a"]);
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["a2"]);
        Assert.Equal(TaskInstanceState.Success, result.TaskStates["b"]);
        Assert.Equal(TaskInstanceState.Success, result.TaskStates["c"]);
        Assert.Equal(TaskInstanceState.Success, result.TaskStates["join"]);
    }

    [Fact]
    public void Branch_ToNone_SkipsEverythingDownstream()
    {
        var result = Run(Fork(_ => null));

        Assert.Equal(DagRunState.Success, result.State);
        Assert.All(["a", "a2", "b", "c", "join"], id => Assert.Equal(TaskInstanceState.Skipped, result.TaskStates[id]));
    }

    [Fact]
    public void Branch_JoinStraightAfterTheBranch_IsNotSkipped()
    {
        // branch >> [work, join]; work >> join: choosing "work" must not skip "join", which is downstream of it.
        var dag = new Dag("empty_branch");
        var branch = dag.Branch("branch", _ => "work");
        var work = dag.Empty("work");
        var join = dag.Empty("join");
        join.TriggerRule = TriggerRule.NoneFailedMinOneSuccess;
        branch.Then([work, join]);
        work.Then(join);

        var result = Run(dag);

        Assert.Equal(TaskInstanceState.Success, result.TaskStates["join"]);
    }

    [Fact]
    public void Branch_ToAnUnknownId_FailsWithoutRetryingAndSaysWhich()
    {
        var dag = Fork(_ => ["a", "nope"]);
        dag.GetTask("branch").Retries = 3;

        var result = Run(dag);

        Assert.Equal(DagRunState.Failed, result.State);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["branch"]);
        Assert.Equal(1, result.Tries["branch"]);
        Assert.Equal(TaskInstanceState.UpstreamFailed, result.TaskStates["a"]);
        Assert.Contains(_log.Messages, m => m.Contains("Branch 'branch' chose 'nope' is not a task or task group of DAG 'fork'.", StringComparison.Ordinal));
    }

    [Fact]
    public void Branch_ToATaskGroup_RunsTheGroupsRoots()
    {
        var dag = new Dag("group_branch");
        var branch = dag.Branch("branch", _ => "load");
        var other = dag.Empty("other");
        var load = dag.Group("load", _ =>
        {
            dag.Empty("first").Then(dag.Empty("second"));
            dag.Empty("side");
        });
        branch.Then(other);
        branch.Then(load);

        var result = Run(dag);

        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["other"]);
        Assert.All(["load.first", "load.second", "load.side"], id => Assert.Equal(TaskInstanceState.Success, result.TaskStates[id]));
    }

    [Fact]
    public void ShortCircuit_False_SkipsEverythingDownstreamButTeardowns()
    {
        var dag = new Dag("short");
        var setup = dag.Empty("setup").AsSetup();
        var check = dag.ShortCircuit("check", _ => false);
        var after = dag.Empty("after");
        var always = dag.Empty("always");
        always.TriggerRule = TriggerRule.AllDone;
        var teardown = dag.Empty("teardown").AsTeardown((Operator)setup);
        setup.Then(check).Then(after).Then(always).Then(teardown);

        var result = Run(dag);

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["after"]);
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["always"]);
        Assert.Equal(TaskInstanceState.Success, result.TaskStates["teardown"]);
        Assert.False(result.XComValue<bool>("check"));
    }

    [Fact]
    public void ShortCircuit_RespectingTriggerRules_SkipsOnlyTheDirectDownstream()
    {
        var dag = new Dag("short_rules");
        var check = dag.ShortCircuit("check", _ => false, ignoreDownstreamTriggerRules: false);
        var after = dag.Empty("after");
        var always = dag.Empty("always");
        always.TriggerRule = TriggerRule.AllDone;
        var next = dag.Empty("next");
        check.Then(after).Then(always);
        after.Then(next);

        var result = Run(dag);

        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["after"]);
        Assert.Equal(TaskInstanceState.Success, result.TaskStates["always"]);
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["next"]);
    }

    [Fact]
    public void ShortCircuit_True_GoesOn()
    {
        var dag = new Dag("short_true");
        dag.ShortCircuit("check", ctx => ctx.Ds == "2025-01-02").Then(dag.Empty("after"));

        Assert.Equal(TaskInstanceState.Success, Run(dag).TaskStates["after"]);
    }

    [Fact]
    public void LatestOnly_ManualRun_GoesOn()
    {
        var dag = new Dag("latest", "@daily", Date.AddDays(-10));
        dag.LatestOnly("latest_only").Then(dag.Empty("notify"));

        Assert.Equal(TaskInstanceState.Success, Run(dag).TaskStates["notify"]);
    }

    [Fact]
    public void TaskGroups_NestedPrefixedAndWiredAsUnits()
    {
        var dag = new Dag("groups");
        var start = dag.Empty("start");
        TaskGroup extract;
        using (extract = dag.Group("extract", tooltip: "Pull the sources"))
        {
            dag.Task("orders", _ => 3);
            using (dag.Group("lookups"))
            {
                dag.Task("countries", _ => 2);
            }
        }

        var end = dag.Task("end", async ctx =>
            await ctx.XCom.PullAsync<int>("extract.orders") + await ctx.XCom.PullAsync<int>("extract.lookups.countries"));
        start.Then(extract).Then(end);

        Assert.Equal(["start"], dag.GetTask("extract.orders").UpstreamTaskIds);
        Assert.Equal(["extract.orders", "extract.lookups.countries"], end.UpstreamTaskIds);
        var result = Run(dag);
        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(5, result.XComValue<int>("end"));
    }

    private sealed class LogSink : ITaskLogSink
    {
        private readonly List<string> _messages = [];

        public IReadOnlyList<string> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public void Write(DateTimeOffset timestamp, TaskLogLevel level, string source, string message)
        {
            lock (_messages)
            {
                _messages.Add(message);
            }
        }
    }
}
