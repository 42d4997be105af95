namespace Updraft.Scheduling.Executors;

/// <summary>How to start a worker process: the program, its arguments, and environment variables to set.</summary>
public sealed record WorkerCommand(string FileName, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment);
