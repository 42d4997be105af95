namespace Updraft.Core.Runtime;

/// <summary>
/// A try's write (state, XCom, heartbeat) was refused because the try no longer owns its task instance: it was
/// declared lost and retried, cleared, or marked by someone else. The try must stop.
/// </summary>
public sealed class TryNotOwnedException(string message) : InvalidOperationException(message);
