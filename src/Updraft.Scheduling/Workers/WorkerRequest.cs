namespace Updraft.Scheduling.Workers;

/// <summary>The try a worker is to run, with the execution API token issued for it.</summary>
public sealed record WorkerRequest(string DagId, string RunId, string TaskId, int MapIndex, int TryNumber, string Token);
