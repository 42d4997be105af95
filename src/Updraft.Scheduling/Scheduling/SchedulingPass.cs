namespace Updraft.Scheduling.Scheduling;

/// <summary>What one scheduling pass did.</summary>
public sealed record SchedulingPass(int RunsCreated, int RunsStarted, int RunsFinished, int TasksScheduled, int TasksQueued, int TasksLost);
