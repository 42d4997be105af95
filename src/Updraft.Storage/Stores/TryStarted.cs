namespace Updraft.Storage.Stores;

/// <summary>A try that has just started: its run, and where it resumes when it was deferred and its trigger fired.</summary>
public sealed record TryStarted(DagRunRecord Run, TryResume? Resume);

/// <summary>
/// Where a deferred try resumes: the method it named (<c>__fail__</c> when its trigger failed or timed out), the values
/// it handed itself and the trigger's event, both as JSON.
/// </summary>
public sealed record TryResume(string Method, string? Kwargs, string? Event);
