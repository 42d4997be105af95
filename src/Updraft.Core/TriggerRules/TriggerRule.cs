namespace Updraft.Core.TriggerRules;

/// <summary>When a task may run, judged from the states of its direct upstream tasks (Airflow's trigger rules).</summary>
public enum TriggerRule
{
    AllSuccess,
    AllFailed,
    AllDone,
    AllDoneSetupSuccess,
    OneSuccess,
    OneFailed,
    OneDone,
    NoneFailed,
    NoneFailedMinOneSuccess,
    NoneSkipped,
    AllSkipped,
    Always,
}
