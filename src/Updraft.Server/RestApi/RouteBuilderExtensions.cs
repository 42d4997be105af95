using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Updraft.Server.RestApi;

/// <summary>Declares what a REST route needs.</summary>
public static class RouteBuilderExtensions
{
    public static TBuilder Requires<TBuilder>(this TBuilder builder, string action, string resource, DagScope scope = DagScope.None)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new RequiredPermission(action, resource, scope));

    /// <summary>Declares the query parameters the route reads (<c>name</c> or <c>name:type</c>; see <see cref="QueryParameters"/>).</summary>
    public static TBuilder Query<TBuilder>(this TBuilder builder, params string[] parameters)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(QueryParameters.Parse(parameters));

    /// <summary>Any signed-in user may call the route, whatever their roles.</summary>
    public static TBuilder SignedIn<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new SignedInRoute());

    public static TBuilder Anonymous<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AnonymousRoute());

    /// <summary>Writes each successful call to the event log as <paramref name="eventName"/>, with the caller and the route's ids.</summary>
    public static TBuilder Audited<TBuilder>(this TBuilder builder, string eventName)
        where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(new AuditedRoute(eventName));

    /// <summary>
    /// Checks the route's permission against a DAG the route found itself, not in its path (a backfill's DAG), as the
    /// gate checks <c>{dag_id}</c>: 403 when the caller may not act on that DAG.
    /// </summary>
    public static void RequireOnDag(this HttpContext context, string dagId)
    {
        ArgumentNullException.ThrowIfNull(context);
        var required = context.GetEndpoint()?.Metadata.GetMetadata<RequiredPermission>()
            ?? throw new InvalidOperationException("The REST route declares no permission.");
        if (!ApiGate.Allows(context.Caller().Permissions, required, dagId))
        {
            throw new ApiException(403, "Forbidden");
        }
    }

    /// <summary>The authenticated caller of a REST route.</summary>
    public static ApiCaller Caller(this HttpContext context) =>
        context?.Features.Get<ApiCaller>() ?? throw new InvalidOperationException("The REST route ran without an authenticated caller.");
}
