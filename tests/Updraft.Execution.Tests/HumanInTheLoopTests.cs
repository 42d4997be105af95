using System.Text.Json.Nodes;
using Updraft.Core.DagRuns;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Testing;
using Updraft.Tests.Shared;

namespace Updraft.Execution.Tests;

/// <summary>Human-in-the-loop tasks in <c>dag.Test()</c>: answers given by the test, defaults at the timeout, bad set-ups.</summary>
public sealed class HumanInTheLoopTests
{
    private readonly List<string> _log = [];

    private DagTestResult Run(Dag dag, Func<HumanRequest, HumanResponse?>? answers = null) =>
        dag.Test(new DateTimeOffset(2025, 3, 1, 0, 0, 0, TimeSpan.Zero), options: new DagTestOptions { Log = new LineSink(_log), HumanAnswers = answers });

    [Fact]
    public void AnApproval_Approved_LetsDownstreamRun_Rejected_SkipsIt()
    {
        foreach (var (choice, downstream) in new[] { ("Approve", TaskInstanceState.Success), ("Reject", TaskInstanceState.Skipped) })
        {
            var dag = new Dag("approval");
            var asked = new List<HumanRequest>();
            dag.Approval("sign_off", "Ship {{ ds }}?").Then(dag.Task("ship", ctx => ctx.Log.Info("shipped")));

            var result = Run(dag, request =>
            {
                asked.Add(request);
                return new HumanResponse([choice], [], "ada", TimeProvider.System.GetUtcNow());
            });

            Assert.Equal("Ship 2025-03-01?", Assert.Single(asked).Subject);
            Assert.Equal((TaskInstanceState.Success, downstream), (result.TaskStates["sign_off"], result.TaskStates["ship"]));
            Assert.Equal(choice, result.XComValue<JsonObject>("sign_off")!["chosen_options"]![0]!.GetValue<string>());
            Assert.Equal("ada", result.XComValue<JsonObject>("sign_off")!["responded_by"]!.GetValue<string>());
        }
    }

    [Fact]
    public void AChoiceNobodyAnswers_TakesItsDefaultsAtTheTimeout_WithTheParamsDefaults()
    {
        var dag = new Dag("choice");
        dag.HumanChoice("region", "Which region?", ["emea", "apac"]).With(t =>
        {
            t.Defaults = ["apac"];
            t.Params = new JsonObject { ["rows"] = 10 };
            t.ResponseTimeout = TimeSpan.FromMilliseconds(200);
            t.PollInterval = TimeSpan.FromMilliseconds(50);
        });

        var result = Run(dag, _ => null);

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        var answer = result.XComValue<JsonObject>("region")!;
        Assert.Equal(("apac", 10), (answer["chosen_options"]![0]!.GetValue<string>(), answer["params_input"]!["rows"]!.GetValue<int>()));
        Assert.Null(answer["responded_by"]);
        Assert.Contains(_log, l => l.Contains("Nobody answered in time; the defaults were taken: apac", StringComparison.Ordinal));
    }

    [Fact]
    public void NobodyToAnswer_OrDefaultsThatAreNotOptions_FailTheTaskSayingSo()
    {
        var dag = new Dag("bad_questions");
        dag.Approval("unanswerable", "Go?");
        dag.HumanChoice("wrong_default", "Which?", ["a", "b"]).With(t => { t.Defaults = ["c"]; t.ResponseTimeout = TimeSpan.FromSeconds(1); });
        dag.HumanChoice("no_options", "Which?", []);

        var result = Run(dag);

        Assert.All(result.TaskStates.Values, s => Assert.Equal(TaskInstanceState.Failed, s));
        Assert.Contains(_log, l => l.Contains("'Go?' needs an answer, and nobody can give one here", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.Contains("Task 'wrong_default': the defaults must be one of the options (a, b).", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.Contains("Task 'no_options': the options must be distinct and not empty.", StringComparison.Ordinal));
    }
}
