using Updraft.Core.Dags;
using Updraft.Core.Timetables;

namespace Updraft.Core.Tests.Dags;

public class DagTests
{
    [Fact]
    public void ShiftOperators_SetDependenciesBothWays()
    {
        var dag = new Dag("deps");
        var (a, b, c) = (dag.Empty("a"), dag.Empty("b"), dag.Empty("c"));
        _ = a >> b >> c;
        Assert.Equal(["b"], a.DownstreamTaskIds);
        Assert.Equal(["a"], b.UpstreamTaskIds);
        Assert.Equal(["c"], b.DownstreamTaskIds);
    }

    [Fact]
    public void LeftShift_SetsUpstream()
    {
        var dag = new Dag("deps");
        var (a, b) = (dag.Empty("a"), dag.Empty("b"));
        _ = b << a;
        Assert.Equal(["a"], b.UpstreamTaskIds);
    }

    [Fact]
    public void Lists_FanOutAndFanIn()
    {
        var dag = new Dag("fan");
        var (start, x, y, end) = (dag.Empty("start"), dag.Empty("x"), dag.Empty("y"), dag.Empty("end"));
        _ = start >> new[] { x, y };
        _ = new TaskSet { x, y } >> end;
        Assert.Equal(["x", "y"], start.DownstreamTaskIds);
        Assert.Equal(["x", "y"], end.UpstreamTaskIds);
    }

    [Fact]
    public void Chain_ListsNextToEachOtherJoinPairwise()
    {
        var dag = new Dag("chain");
        var (a, b1, b2, c1, c2, d) = (dag.Empty("a"), dag.Empty("b1"), dag.Empty("b2"), dag.Empty("c1"), dag.Empty("c2"), dag.Empty("d"));
        dag.Chain(a, [b1, b2], [c1, c2], d);
        Assert.Equal(["b1", "b2"], a.DownstreamTaskIds);
        Assert.Equal(["c1"], b1.DownstreamTaskIds);
        Assert.Equal(["c2"], b2.DownstreamTaskIds);
        Assert.Equal(["c1", "c2"], d.UpstreamTaskIds);
    }

    [Fact]
    public void Chain_AdjacentListsOfDifferentLength_Rejected()
    {
        var dag = new Dag("chain");
        var error = Assert.Throws<DagDefinitionException>(() => dag.Chain(new[] { dag.Empty("a"), dag.Empty("b") }, new[] { dag.Empty("c"), dag.Empty("d"), dag.Empty("e") }));
        Assert.Contains("lists of different lengths", error.Message);
    }

    [Fact]
    public void DuplicateTaskId_RejectedWithLine()
    {
        var dag = new Dag("dup");
        dag.Empty("same");
        var error = Assert.Throws<DagDefinitionException>(() => dag.Empty("same"));
        Assert.Equal("Task id 'same' has already been added to the DAG 'dup'.", error.Message);
        Assert.True(error.Line > 0);
    }

    [Fact]
    public void Cycle_RejectedNamingTheTasks()
    {
        var dag = new Dag("loop");
        var (a, b, c) = (dag.Empty("a"), dag.Empty("b"), dag.Empty("c"));
        _ = a >> b >> c >> a;
        var error = Assert.Throws<DagDefinitionException>(dag.Validate);
        Assert.Contains("Cycle detected in DAG 'loop'", error.Message);
        Assert.Contains("a >> b >> c >> a", error.Message);
    }

    [Fact]
    public void SelfDependency_IsACycle()
    {
        var dag = new Dag("self");
        var a = dag.Empty("a");
        _ = a >> a;
        Assert.Contains("Faulty task: 'a'", Assert.Throws<DagDefinitionException>(dag.Validate).Message);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/id")]
    [InlineData("")]
    public void BadId_Rejected(string id)
    {
        var error = Assert.Throws<DagDefinitionException>(() => new Dag(id));
        Assert.Contains("letters, digits, dashes, dots and underscores", error.Message);
    }

    [Fact]
    public void DependencyAcrossDags_Rejected()
    {
        var one = new Dag("one").Empty("a");
        var two = new Dag("two").Empty("b");
        Assert.Contains("more than one DAG", Assert.Throws<DagDefinitionException>(() => one >> two).Message);
    }

    [Fact]
    public void BadCron_FailsWhenTheDagIsCreated()
    {
        var error = Assert.Throws<InvalidScheduleException>(() => new Dag("bad", schedule: "0 25 * * *"));
        Assert.Contains("25 is out of range for the hour field", error.Message);
    }

    [Fact]
    public void TopologicalOrder_PutsUpstreamFirst()
    {
        var dag = new Dag("order");
        var (c, b, a) = (dag.Empty("c"), dag.Empty("b"), dag.Empty("a"));
        _ = a >> b >> c;
        Assert.Equal(["a", "b", "c"], dag.TopologicalOrder().Select(t => t.TaskId));
    }

    [Fact]
    public void TaskFlow_InputBecomesUpstream()
    {
        var dag = new Dag("flow");
        var numbers = dag.Task("numbers", _ => new[] { 1, 2, 3 });
        var total = dag.Task("total", numbers, (int[] n) => n.Sum());
        Assert.Equal(["numbers"], total.UpstreamTaskIds);
        Assert.Equal(typeof(int), total.ResultType);
        Assert.Equal("numbers", Assert.Single(total.Inputs).Task?.TaskId);
    }

    [Fact]
    public void AsTeardown_RunsAfterSetupWithSetupRule()
    {
        var dag = new Dag("setup");
        var (create, work, delete) = (dag.Empty("create"), dag.Empty("work"), dag.Empty("delete"));
        _ = create >> work >> delete;
        delete.AsTeardown(create);
        Assert.True(create.IsSetup);
        Assert.True(delete.IsTeardown);
        Assert.Equal(Updraft.Core.TriggerRules.TriggerRule.AllDoneSetupSuccess, delete.TriggerRule);
        Assert.Contains("create", delete.UpstreamTaskIds);
    }

    [Fact]
    public void Validate_EndBeforeStart_Rejected()
    {
        var dag = new Dag("dates", startDate: new DateTimeOffset(2025, 2, 1, 0, 0, 0, TimeSpan.Zero)) { EndDate = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero) };
        Assert.Contains("ends", Assert.Throws<DagDefinitionException>(dag.Validate).Message);
    }

    [Fact]
    public void Validate_InvalidParamDefault_Rejected()
    {
        var dag = new Dag("params") { Params = { ["n"] = new Param(500) { Maximum = 100 } } };
        var error = Assert.Throws<DagDefinitionException>(dag.Validate);
        Assert.Contains("Invalid input for param n: 500 is greater than the maximum of 100", error.Message);
    }
}
