namespace Updraft.Server.RestApi;

/// <summary>
/// Endpoint metadata: a route that changes something the application services do not log themselves (variables,
/// connections, pools); a successful call is written to the event log as <paramref name="Event"/> with the caller.
/// </summary>
public sealed record AuditedRoute(string Event);
