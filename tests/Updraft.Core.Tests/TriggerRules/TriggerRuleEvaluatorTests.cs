using Updraft.Core.States;
using Updraft.Core.TriggerRules;

namespace Updraft.Core.Tests.TriggerRules;

public class TriggerRuleEvaluatorTests
{
    // Two upstream tasks per scenario: s = success, f = failed, k = skipped, u = upstream_failed, n = not finished.
    private static readonly string[] Scenarios = ["ss", "sf", "sk", "kk", "ff", "su", "sn", "fn", "kn", "nn", "fk", "uu"];

    // Expected decision per scenario, in the order above: R = run, W = wait, K = skip, U = upstream_failed.
    // Written from Airflow's documented rules and its early decisions, not derived from the implementation.
    public static TheoryData<TriggerRule, string> Matrix => new()
    {
        { TriggerRule.AllSuccess,              "RUKKUUWUKWUU" },
        { TriggerRule.AllFailed,               "KKKKRKKWKWKR" },
        { TriggerRule.AllDone,                 "RRRRRRWWWWRR" },
        { TriggerRule.AllDoneSetupSuccess,     "RRRRRRWWWWRR" },
        { TriggerRule.OneSuccess,              "RRRKURRWWWUU" },
        { TriggerRule.OneFailed,               "KRKKRRWRWWRR" },
        { TriggerRule.OneDone,                 "RRRKRRRRWWRK" },
        { TriggerRule.NoneFailed,              "RURRUUWUWWUU" },
        { TriggerRule.NoneFailedMinOneSuccess, "RURKUUWUWWUU" },
        { TriggerRule.NoneSkipped,             "RRKKRRWWKWKR" },
        { TriggerRule.AllSkipped,              "KKKRKKKKWWKK" },
        { TriggerRule.Always,                  "RRRRRRRRRRRR" },
    };

    [Theory]
    [MemberData(nameof(Matrix))]
    public void Evaluate_EveryScenario_MatchesAirflow(TriggerRule rule, string expected)
    {
        for (var i = 0; i < Scenarios.Length; i++)
        {
            var summary = UpstreamSummary.From(Scenarios[i].Select(c => (State(c), false)));
            var decision = TriggerRuleEvaluator.Evaluate(rule, summary);
            Assert.True(Code(decision) == expected[i], $"{rule.ToWireName()} with upstream '{Scenarios[i]}': expected {expected[i]}, got {Code(decision)}");
        }
    }

    [Theory]
    [InlineData(TriggerRule.AllSuccess)]
    [InlineData(TriggerRule.AllFailed)]
    [InlineData(TriggerRule.AllSkipped)]
    [InlineData(TriggerRule.OneFailed)]
    public void Evaluate_NoUpstream_Runs(TriggerRule rule) =>
        Assert.Equal(TriggerDecision.Run, TriggerRuleEvaluator.Evaluate(rule, UpstreamSummary.From([])));

    [Fact]
    public void Evaluate_AllDoneSetupSuccess_RunsWhenASetupSucceededEvenIfWorkFailed()
    {
        var summary = UpstreamSummary.From([(TaskInstanceState.Success, true), (TaskInstanceState.Failed, false)]);
        Assert.Equal(TriggerDecision.Run, TriggerRuleEvaluator.Evaluate(TriggerRule.AllDoneSetupSuccess, summary));
    }

    [Fact]
    public void Evaluate_AllDoneSetupSuccess_SkipsWhenEverySetupSkipped()
    {
        var summary = UpstreamSummary.From([(TaskInstanceState.Skipped, true), (TaskInstanceState.Success, false)]);
        Assert.Equal(TriggerDecision.Skip, TriggerRuleEvaluator.Evaluate(TriggerRule.AllDoneSetupSuccess, summary));
    }

    [Fact]
    public void Evaluate_AllDoneSetupSuccess_UpstreamFailedWhenNoSetupSucceeded()
    {
        var summary = UpstreamSummary.From([(TaskInstanceState.Failed, true), (TaskInstanceState.Success, false)]);
        Assert.Equal(TriggerDecision.UpstreamFailed, TriggerRuleEvaluator.Evaluate(TriggerRule.AllDoneSetupSuccess, summary));
    }

    [Fact]
    public void Evaluate_AllDoneSetupSuccess_WaitsForUnfinishedSetup()
    {
        var summary = UpstreamSummary.From([(TaskInstanceState.Running, true), (TaskInstanceState.Success, false)]);
        Assert.Equal(TriggerDecision.Wait, TriggerRuleEvaluator.Evaluate(TriggerRule.AllDoneSetupSuccess, summary));
    }

    [Theory]
    [InlineData("all_success", TriggerRule.AllSuccess)]
    [InlineData("none_failed_min_one_success", TriggerRule.NoneFailedMinOneSuccess)]
    [InlineData("dummy", TriggerRule.Always)]
    [InlineData("none_failed_or_skipped", TriggerRule.NoneFailedMinOneSuccess)]
    public void Parse_NamesAndAliases_Resolve(string name, TriggerRule expected) => Assert.Equal(expected, TriggerRuleNames.Parse(name));

    [Fact]
    public void Parse_UnknownName_ListsTheRules()
    {
        var error = Assert.Throws<ArgumentException>(() => TriggerRuleNames.Parse("sometimes"));
        Assert.Contains("'sometimes' is not a trigger rule", error.Message);
        Assert.Contains("one_success", error.Message);
    }

    private static TaskInstanceState State(char c) => c switch
    {
        's' => TaskInstanceState.Success,
        'f' => TaskInstanceState.Failed,
        'k' => TaskInstanceState.Skipped,
        'u' => TaskInstanceState.UpstreamFailed,
        _ => TaskInstanceState.None,
    };

    private static char Code(TriggerDecision decision) => decision switch
    {
        TriggerDecision.Run => 'R',
        TriggerDecision.Wait => 'W',
        TriggerDecision.Skip => 'K',
        _ => 'U',
    };
}
