namespace Updraft.Scheduling.Workers;

/// <summary>One line a worker process reads on standard input: the task instance try to run.</summary>
public sealed record WorkerRequest(string DagId, string RunId, string TaskId, int MapIndex, int TryNumber);
