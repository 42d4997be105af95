namespace Updraft.Core.TriggerRules;

/// <summary>
/// Airflow's trigger-rule semantics as one pure function: first the early decisions (a rule that can no
/// longer be met turns the task skipped or upstream_failed without waiting), then whether the rule is met.
/// </summary>
public static class TriggerRuleEvaluator
{
    public static TriggerDecision Evaluate(TriggerRule rule, UpstreamSummary up)
    {
        ArgumentNullException.ThrowIfNull(up);
        if (rule == TriggerRule.Always || up.Upstream == 0)
        {
            return TriggerDecision.Run;
        }

        var early = DecideEarly(rule, up);
        if (early is not null)
        {
            return early.Value;
        }

        return IsMet(rule, up) ? TriggerDecision.Run : TriggerDecision.Wait;
    }

    private static TriggerDecision? DecideEarly(TriggerRule rule, UpstreamSummary up)
    {
        var anyFailure = up.Failed > 0 || up.UpstreamFailed > 0;
        return rule switch
        {
            TriggerRule.AllSuccess when anyFailure => TriggerDecision.UpstreamFailed,
            TriggerRule.AllSuccess when up.Skipped > 0 => TriggerDecision.Skip,
            TriggerRule.AllFailed when up.Success > 0 || up.Skipped > 0 => TriggerDecision.Skip,
            TriggerRule.OneSuccess when up.UpstreamDone && up.Done == up.Skipped => TriggerDecision.Skip,
            TriggerRule.OneSuccess when up.UpstreamDone && up.Success <= 0 => TriggerDecision.UpstreamFailed,
            TriggerRule.OneFailed when up.UpstreamDone && !anyFailure => TriggerDecision.Skip,
            TriggerRule.OneDone when up.UpstreamDone && up.Failed == 0 && up.Success == 0 => TriggerDecision.Skip,
            TriggerRule.NoneFailed when anyFailure => TriggerDecision.UpstreamFailed,
            TriggerRule.NoneFailedMinOneSuccess when anyFailure => TriggerDecision.UpstreamFailed,
            TriggerRule.NoneFailedMinOneSuccess when up.Skipped == up.Upstream => TriggerDecision.Skip,
            TriggerRule.NoneSkipped when up.Skipped > 0 => TriggerDecision.Skip,
            TriggerRule.AllSkipped when up.Success > 0 || anyFailure => TriggerDecision.Skip,
            TriggerRule.AllDoneSetupSuccess when up.UpstreamDone && up.UpstreamSetup > 0 && up.SkippedSetup >= up.UpstreamSetup
                => TriggerDecision.Skip,
            TriggerRule.AllDoneSetupSuccess when up.UpstreamDone && up.UpstreamSetup > 0 && up.SuccessSetup == 0
                => TriggerDecision.UpstreamFailed,
            _ => null,
        };
    }

    private static bool IsMet(TriggerRule rule, UpstreamSummary up) => rule switch
    {
        TriggerRule.OneSuccess => up.Success > 0,
        TriggerRule.OneFailed => up.Failed > 0 || up.UpstreamFailed > 0,
        TriggerRule.OneDone => up.Success + up.Failed > 0,
        TriggerRule.AllSuccess => up.Upstream - up.Success <= 0,
        TriggerRule.AllFailed => up.Upstream - up.Failed - up.UpstreamFailed <= 0,
        TriggerRule.AllDone => up.UpstreamDone,
        TriggerRule.AllDoneSetupSuccess => up.UpstreamDone && (up.UpstreamSetup == 0 || up.SuccessSetup > 0),
        TriggerRule.NoneFailed or TriggerRule.NoneFailedMinOneSuccess => up.Upstream - up.Success - up.Skipped <= 0,
        TriggerRule.NoneSkipped => up.UpstreamDone && up.Skipped == 0,
        TriggerRule.AllSkipped => up.Upstream - up.Skipped <= 0,
        TriggerRule.Always => true,
        _ => throw new ArgumentOutOfRangeException(nameof(rule), rule, "Unknown trigger rule."),
    };
}
