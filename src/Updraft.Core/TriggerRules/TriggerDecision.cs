namespace Updraft.Core.TriggerRules;

/// <summary>What a trigger rule says about a task instance that has not run yet.</summary>
public enum TriggerDecision
{
    /// <summary>Not decided yet: upstream tasks are still unfinished.</summary>
    Wait,

    /// <summary>The rule is met: the task may run.</summary>
    Run,

    /// <summary>The rule can never be met and the task is skipped.</summary>
    Skip,

    /// <summary>The rule can never be met because upstream work failed.</summary>
    UpstreamFailed,
}
