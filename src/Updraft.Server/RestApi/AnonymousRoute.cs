namespace Updraft.Server.RestApi;

/// <summary>Endpoint metadata: a REST route anyone may call (the token endpoint, health, version).</summary>
public sealed record AnonymousRoute;
