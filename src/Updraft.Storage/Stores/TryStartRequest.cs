namespace Updraft.Storage.Stores;

/// <summary>A queued try a worker starts, and where it runs.</summary>
public sealed record TryStartRequest(TaskInstanceKey Key, int TryNumber, string Hostname, int Pid);
