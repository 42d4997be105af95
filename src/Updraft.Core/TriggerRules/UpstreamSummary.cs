using Updraft.Core.States;

namespace Updraft.Core.TriggerRules;

/// <summary>
/// Counts of a task's direct upstream task instances by state: the only input a trigger rule needs.
/// </summary>
/// <remarks><c>Upstream</c> counts all direct upstream task instances, <c>UpstreamSetup</c> the setup tasks among them;
/// the rest count them by state, the <c>*Setup</c> ones among setup tasks only.</remarks>
public sealed record UpstreamSummary(
    int Upstream,
    int UpstreamSetup,
    int Success,
    int Skipped,
    int Failed,
    int UpstreamFailed,
    int Removed,
    int SuccessSetup,
    int SkippedSetup)
{
    /// <summary>Finished upstream task instances (success, skipped, failed, upstream_failed, removed).</summary>
    public int Done => Success + Skipped + Failed + UpstreamFailed + Removed;

    public bool UpstreamDone => Done >= Upstream;

    /// <summary>Summarises the states of upstream task instances; each entry says whether it is a setup task.</summary>
    public static UpstreamSummary From(IEnumerable<(TaskInstanceState State, bool IsSetup)> upstream)
    {
        int total = 0, setup = 0, success = 0, skipped = 0, failed = 0, upstreamFailed = 0, removed = 0, successSetup = 0, skippedSetup = 0;
        foreach (var (state, isSetup) in upstream)
        {
            total++;
            if (isSetup)
            {
                setup++;
            }

            switch (state)
            {
                case TaskInstanceState.Success:
                    success++;
                    successSetup += isSetup ? 1 : 0;
                    break;
                case TaskInstanceState.Skipped:
                    skipped++;
                    skippedSetup += isSetup ? 1 : 0;
                    break;
                case TaskInstanceState.Failed:
                    failed++;
                    break;
                case TaskInstanceState.UpstreamFailed:
                    upstreamFailed++;
                    break;
                case TaskInstanceState.Removed:
                    removed++;
                    break;
                default:
                    break;
            }
        }

        return new UpstreamSummary(total, setup, success, skipped, failed, upstreamFailed, removed, successSetup, skippedSetup);
    }
}
