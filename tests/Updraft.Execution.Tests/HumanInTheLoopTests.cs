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
    public void AnEntry_AsksForItsFieldsWithOkAsTheOnlyOption_WhoAnsweredWhatAndWhenFlowDownstream()
    {
        var dag = new Dag("entry");
        var asked = new List<HumanRequest>();
        var entry = dag.HumanEntry("limits", "Limits for {{ ds }}", new JsonObject { ["rows"] = 10, ["note"] = "none" });
        dag.Task("apply", entry, (JsonObject answer) =>
            $"{answer["params_input"]!["rows"]} rows, note {answer["params_input"]!["note"]}, {answer["chosen_options"]![0]} by {answer["responded_by"]} at {answer["responded_at"]}");
        // In the question's zone (+02:00): recorded and passed on in UTC.
        var answeredAt = new DateTimeOffset(2025, 3, 1, 11, 15, 30, TimeSpan.FromHours(2));

        var result = Run(dag, request =>
        {
            asked.Add(request);
            return new HumanResponse(["OK"], new JsonObject { ["rows"] = 25, ["note"] = "rush" }, "grace", answeredAt);
        });

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        var question = Assert.Single(asked);
        Assert.Equal("Limits for 2025-03-01", question.Subject);
        Assert.Equal(["OK"], question.Options);
        Assert.Equal(["OK"], question.Defaults!);
        Assert.Equal("{\"rows\":10,\"note\":\"none\"}", question.Params.ToJsonString());
        var answer = result.XComValue<JsonObject>("limits")!;
        Assert.Equal(("grace", "2025-03-01T09:15:30+00:00"), (answer["responded_by"]!.GetValue<string>(), answer["responded_at"]!.GetValue<string>()));
        Assert.Equal("25 rows, note rush, OK by grace at 2025-03-01T09:15:30+00:00", result.XComValue<string>("apply"));
    }

    [Fact]
    public void AnEntryNobodyAnswers_FailsSayingSo_ItHasNoTimeoutToTakeTheDefaultsAt()
    {
        var dag = new Dag("entry_unanswered");
        dag.HumanEntry("limits", "Limits?", new JsonObject { ["rows"] = 10 });

        var result = Run(dag, _ => null);

        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["limits"]);
        Assert.Contains(_log, l => l.Contains("'Limits?' needs an answer, and nobody can give one here", StringComparison.Ordinal));
    }

    [Fact]
    public void AnEntryNobodyAnswersInTime_TakesTheFieldDefaults_AnsweredByNobody_AtTheTimeout()
    {
        var dag = new Dag("entry_timeout");
        var before = TimeProvider.System.GetUtcNow();
        dag.HumanEntry("limits", "Limits?", new JsonObject { ["rows"] = 10 }).With(t =>
        {
            t.ResponseTimeout = TimeSpan.FromMilliseconds(200);
            t.PollInterval = TimeSpan.FromMilliseconds(50);
        });

        var result = Run(dag, _ => null);

        Assert.True(result.State == DagRunState.Success, string.Join("\n", _log));
        var answer = result.XComValue<JsonObject>("limits")!;
        Assert.Equal(("OK", 10), (answer["chosen_options"]![0]!.GetValue<string>(), answer["params_input"]!["rows"]!.GetValue<int>()));
        Assert.Null(answer["responded_by"]);
        // Taken no earlier than the timeout, counted from when it asked (recorded to the microsecond).
        var at = DateTimeOffset.Parse(answer["responded_at"]!.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(at >= before + TimeSpan.FromMilliseconds(200) - TimeSpan.FromTicks(10), $"defaults taken at {at:O}, asked after {before:O}");
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
