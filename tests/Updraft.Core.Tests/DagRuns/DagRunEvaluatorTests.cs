using Updraft.Core.DagRuns;
using Updraft.Core.Dags;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.TriggerRules;

namespace Updraft.Core.Tests.DagRuns;

public class DagRunEvaluatorTests
{
    private static SerializedDag Linear()
    {
        var dag = new Dag("linear");
        _ = dag.Empty("a") >> dag.Empty("b") >> dag.Empty("c");
        return DagSerializer.Serialize(dag, new DagDefaults());
    }

    private static Dictionary<string, TaskInstanceState> States(params (string Id, TaskInstanceState State)[] states) =>
        states.ToDictionary(s => s.Id, s => s.State);

    [Fact]
    public void Evaluate_Fresh_OnlyRootIsReady()
    {
        var result = DagRunEvaluator.Evaluate(Linear(), States());
        Assert.Equal(["a"], result.Ready.Select(r => r.TaskId));
        Assert.Null(result.RunState);
    }

    [Fact]
    public void Evaluate_UpstreamFailure_CascadesInOnePass()
    {
        var result = DagRunEvaluator.Evaluate(Linear(), States(("a", TaskInstanceState.Failed)));
        Assert.Equal(TaskInstanceState.UpstreamFailed, result.States[new("b")]);
        Assert.Equal(TaskInstanceState.UpstreamFailed, result.States[new("c")]);
        Assert.Equal(DagRunState.Failed, result.RunState);
    }

    [Fact]
    public void Evaluate_AllSucceeded_RunSucceeds() =>
        Assert.Equal(DagRunState.Success, DagRunEvaluator.Evaluate(Linear(), States(("a", TaskInstanceState.Success), ("b", TaskInstanceState.Success), ("c", TaskInstanceState.Success))).RunState);

    [Fact]
    public void Evaluate_RunningTask_RunStaysRunning() =>
        Assert.Null(DagRunEvaluator.Evaluate(Linear(), States(("a", TaskInstanceState.Running))).RunState);

    [Fact]
    public void Evaluate_FailedTaskNotALeaf_RunSucceedsWhenLeafSucceeds()
    {
        var dag = new Dag("recover");
        var cleanup = dag.Empty("cleanup");
        cleanup.TriggerRule = TriggerRule.AllDone;
        _ = dag.Empty("work") >> cleanup;
        var result = DagRunEvaluator.Evaluate(DagSerializer.Serialize(dag, new DagDefaults()), States(("work", TaskInstanceState.Failed), ("cleanup", TaskInstanceState.Success)));
        Assert.Equal(DagRunState.Success, result.RunState);
    }

    [Fact]
    public void Evaluate_NothingCanEverRun_Deadlock()
    {
        var dag = new Dag("stuck");
        var waiter = dag.Empty("waiter");
        _ = dag.Empty("a") >> waiter;
        var serialized = DagSerializer.Serialize(dag, new DagDefaults());

        // all_success below a removed task: never met, never decided early, and nothing is in flight.
        var states = States(("a", TaskInstanceState.Removed));
        var result = DagRunEvaluator.Evaluate(serialized, states);
        Assert.Equal(TaskInstanceState.None, result.States[new("waiter")]);
        Assert.Empty(result.Ready);
        Assert.Equal(DagRunState.Failed, result.RunState);
    }

    [Fact]
    public void Evaluate_TeardownLeafFails_RunJudgedByTheWork()
    {
        var dag = new Dag("teardown");
        var (create, work, delete) = (dag.Empty("create"), dag.Empty("work"), dag.Empty("delete"));
        _ = create >> work >> delete;
        delete.AsTeardown(create);
        var serialized = DagSerializer.Serialize(dag, new DagDefaults());
        var result = DagRunEvaluator.Evaluate(serialized, States(("create", TaskInstanceState.Success), ("work", TaskInstanceState.Success), ("delete", TaskInstanceState.Failed)));
        Assert.Equal(DagRunState.Success, result.RunState);
    }

    [Fact]
    public void Evaluate_TeardownRunsAfterFailedWork_AndRunFails()
    {
        var dag = new Dag("teardown");
        var (create, work, delete) = (dag.Empty("create"), dag.Empty("work"), dag.Empty("delete"));
        _ = create >> work >> delete;
        delete.AsTeardown(create);
        var serialized = DagSerializer.Serialize(dag, new DagDefaults());
        var ready = DagRunEvaluator.Evaluate(serialized, States(("create", TaskInstanceState.Success), ("work", TaskInstanceState.Failed)));
        Assert.Equal(["delete"], ready.Ready.Select(r => r.TaskId));
        var done = DagRunEvaluator.Evaluate(serialized, States(("create", TaskInstanceState.Success), ("work", TaskInstanceState.Failed), ("delete", TaskInstanceState.Success)));
        Assert.Equal(DagRunState.Failed, done.RunState);
    }
}
