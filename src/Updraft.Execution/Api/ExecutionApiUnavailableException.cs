namespace Updraft.Execution.Api;

/// <summary>The orchestrator could not serve an execution API call just now (its database is away); the same call may succeed later (HTTP 503).</summary>
public sealed class ExecutionApiUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
