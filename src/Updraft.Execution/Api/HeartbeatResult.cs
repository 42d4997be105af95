namespace Updraft.Execution.Api;

/// <summary>
/// What a heartbeat answers: whether the try still owns its task instance (when not, it must stop), and a fresh
/// token to use from now on, since tokens are short-lived.
/// </summary>
public sealed record HeartbeatResult(bool Owned, string? RefreshedToken = null);
