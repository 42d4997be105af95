namespace Updraft.Scheduling.Scheduling;

/// <summary>What one scheduling pass did.</summary>
public sealed record SchedulingPass(int RunsCreated, int RunsStarted, int RunsFinished, int TasksScheduled, int TasksQueued, int TasksLost)
{
    /// <summary>Whether anything changed, so another pass right away may find more to do.</summary>
    public bool MadeProgress => RunsCreated + RunsStarted + RunsFinished + TasksScheduled + TasksQueued + TasksLost > 0;
}
