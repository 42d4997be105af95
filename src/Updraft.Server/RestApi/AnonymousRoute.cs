namespace Updraft.Server.RestApi;

/// <summary>Endpoint metadata: a REST route anyone may call (the token endpoint, health, version).</summary>
public sealed record AnonymousRoute;

/// <summary>Endpoint metadata: a route any signed-in user may call, whatever their roles (who am I, what may I do).</summary>
public sealed record SignedInRoute;
