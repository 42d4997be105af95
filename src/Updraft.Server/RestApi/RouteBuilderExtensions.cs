using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Updraft.Server.RestApi;

/// <summary>Declares what a REST route needs.</summary>
public static class RouteBuilderExtensions
{
    public static TBuilder Requires<TBuilder>(this TBuilder builder, string action, string resource, DagScope scope = DagScope.None)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredPermission(action, resource, scope));

    public static TBuilder Anonymous<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AnonymousRoute());

    /// <summary>Writes each successful call to the event log as <paramref name="eventName"/>, with the caller and the route's ids.</summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string eventName)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditedRoute(eventName));

    /// <summary>The authenticated caller of a REST route.</summary>
    public static ApiCaller Caller(this HttpContext context) =>
        context?.Features.Get<ApiCaller>() ?? throw new InvalidOperationException("The REST route ran without an authenticated caller.");
}
