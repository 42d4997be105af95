using System.Reflection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Updraft.Server.RestApi;

namespace Updraft.Server.Ui;

/// <summary>
/// The web UI (ADR 0026): one page and its script and styles, embedded in this assembly and served as they are, with
/// no build step and no third-party code. Everything the page shows and does goes through the public REST API with
/// the session cookie of <c>POST /auth/login</c>; what it offers a user comes from <c>GET /auth/me</c>, which asks
/// the REST API's own gate.
/// </summary>
internal static class UiEndpoints
{
    /// <summary>The page's client-side routes: each answers with the page, which draws the view.</summary>
    private static readonly string[] PageRoutes = ["/", "/login", "/dags", "/dags/{**rest}", "/assets", "/approvals", "/admin/{**rest}"];

    /// <summary>What <c>GET /auth/me</c> reports for each DAG asked about: the REST routes of these actions, as their gate decides.</summary>
    private static readonly (string Ability, string Method, string Pattern)[] DagAbilities =
    [
        ("trigger", "POST", "/api/v2/dags/{dag_id}/dagRuns"),
        ("pause", "PATCH", "/api/v2/dags/{dag_id}"),
        ("clear", "POST", "/api/v2/dags/{dag_id}/clearTaskInstances"),
        ("mark", "PATCH", "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}/taskInstances/{task_id}"),
        ("edit_run", "PATCH", "/api/v2/dags/{dag_id}/dagRuns/{dag_run_id}"),
    ];

    /// <summary>What <c>GET /auth/me</c> reports beyond DAGs: the admin and asset actions, as their gate decides.</summary>
    private static readonly (string Ability, string Method, string Pattern)[] OtherAbilities =
    [
        ("edit_connections", "POST", "/api/v2/connections"),
        ("edit_variables", "POST", "/api/v2/variables"),
        ("edit_pools", "POST", "/api/v2/pools"),
        ("create_asset_event", "POST", "/api/v2/assets/events"),
        ("materialize", "POST", "/api/v2/assets/{asset_id}/materialize"),
        ("edit_users", "POST", "/auth/fab/v1/users"),
        ("edit_roles", "POST", "/auth/fab/v1/roles"),
    ];

    public static void MapUi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        foreach (var route in PageRoutes)
        {
            app.MapGet(route, () => Asset("index.html")).Anonymous().ExcludeFromDescription();
        }

        app.MapGet("/ui/{file}", (string file) => Asset(file)).Anonymous().ExcludeFromDescription();
        app.MapGrid();
        app.MapGraph();
        app.MapDocs();

        app.MapGet("/auth/me", (HttpContext context, EndpointDataSource endpoints) =>
        {
            var caller = context.Caller();
            var q = new ApiQuery(context.Request);
            var dagIds = q.Strings("dag_ids").SelectMany(d => d.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Distinct(StringComparer.Ordinal).Take(1000).ToList();
            var required = DagAbilities.Select(a => (a.Ability, Permission: Required(endpoints, a.Method, a.Pattern))).ToList();
            var other = OtherAbilities.Select(a => (a.Ability, Permission: Required(endpoints, a.Method, a.Pattern)));
            return Results.Json(
                new
                {
                    username = caller.Username,
                    // Whether the user may do each at all (on some DAG), and on each DAG asked about.
                    can = required.Concat(other).ToDictionary(r => r.Ability, r => ApiGate.Allows(caller.Permissions, r.Permission, null)),
                    dags = dagIds.ToDictionary(d => d, d => required.ToDictionary(r => r.Ability, r => ApiGate.Allows(caller.Permissions, r.Permission, d))),
                    pages = new
                    {
                        assets = caller.Permissions.Has(Storage.Security.Permissions.Read, Storage.Security.Permissions.Assets),
                        connections = caller.Permissions.Has(Storage.Security.Permissions.Read, Storage.Security.Permissions.Connections),
                        variables = caller.Permissions.Has(Storage.Security.Permissions.Read, Storage.Security.Permissions.Variables),
                        pools = caller.Permissions.Has(Storage.Security.Permissions.Read, Storage.Security.Permissions.Pools),
                        users = caller.Permissions.Has(Storage.Security.Permissions.Read, Storage.Security.Permissions.Users),
                        roles = caller.Permissions.Has(Storage.Security.Permissions.Read, Storage.Security.Permissions.Roles),
                        import_errors = caller.Permissions.Has(Storage.Security.Permissions.Read, Storage.Security.Permissions.ImportErrors),
                        event_log = caller.Permissions.Has(Storage.Security.Permissions.Read, Storage.Security.Permissions.AuditLogs),
                        config = caller.Permissions.Has(Storage.Security.Permissions.Read, Storage.Security.Permissions.Configurations),
                    },
                },
                ApiJson.Options);
        }).Query("dag_ids:array").SignedIn();
    }

    private static RequiredPermission Required(EndpointDataSource endpoints, string method, string pattern) =>
        endpoints.Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText == pattern)
            .Where(e => e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods.Contains(method) == true)
            .Select(e => e.Metadata.GetMetadata<RequiredPermission>())
            .FirstOrDefault(r => r is not null)
            ?? throw new InvalidOperationException($"No REST route {method} {pattern} declares a permission.");

    private static IResult Asset(string file)
    {
        var type = Path.GetExtension(file) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => null,
        };
        var stream = type is null ? null : typeof(UiEndpoints).Assembly.GetManifestResourceStream("ui/" + file);
        return stream is null ? Results.NotFound() : Results.Stream(stream, type);
    }
}
