namespace Updraft.Storage.Stores;

/// <summary>One try of one task instance.</summary>
public sealed record TryKey(TaskInstanceKey Key, int TryNumber);
