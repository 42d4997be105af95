using System.Diagnostics.CodeAnalysis;

namespace Updraft.Core.TriggerRules;

/// <summary>Airflow's snake_case names for trigger rules, including the old aliases.</summary>
public static class TriggerRuleNames
{
    private static readonly Dictionary<TriggerRule, string> Names = new()
    {
        [TriggerRule.AllSuccess] = "all_success",
        [TriggerRule.AllFailed] = "all_failed",
        [TriggerRule.AllDone] = "all_done",
        [TriggerRule.AllDoneSetupSuccess] = "all_done_setup_success",
        [TriggerRule.OneSuccess] = "one_success",
        [TriggerRule.OneFailed] = "one_failed",
        [TriggerRule.OneDone] = "one_done",
        [TriggerRule.NoneFailed] = "none_failed",
        [TriggerRule.NoneFailedMinOneSuccess] = "none_failed_min_one_success",
        [TriggerRule.NoneSkipped] = "none_skipped",
        [TriggerRule.AllSkipped] = "all_skipped",
        [TriggerRule.Always] = "always",
    };

    private static readonly Dictionary<string, TriggerRule> ByName = BuildByName();

    public static string ToWireName(this TriggerRule rule) => Names[rule];

    public static bool TryParse(string name, [NotNullWhen(true)] out TriggerRule? rule)
    {
        rule = ByName.TryGetValue(name.Trim(), out var r) ? r : null;
        return rule is not null;
    }

    public static TriggerRule Parse(string name) => TryParse(name, out var rule)
        ? rule.Value
        : throw new ArgumentException($"'{name}' is not a trigger rule; expected one of: {string.Join(", ", Names.Values)}", nameof(name));

    private static Dictionary<string, TriggerRule> BuildByName()
    {
        var map = Names.ToDictionary(p => p.Value, p => p.Key, StringComparer.OrdinalIgnoreCase);
        map["dummy"] = TriggerRule.Always;
        map["none_failed_or_skipped"] = TriggerRule.NoneFailedMinOneSuccess;
        return map;
    }
}
