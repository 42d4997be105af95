using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Updraft.Core.Configuration;
using Updraft.Scheduling.Operations;
using Updraft.Server.Hosting;
using Updraft.Server.RestApi.V1;
using Updraft.Server.RestApi.V2;
using Updraft.Server.Security;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Server.RestApi;

/// <summary>Registers and maps the REST API (<c>/auth/token</c>, <c>/api/v2</c>) in the API server's web application.</summary>
public static class RestApiServiceCollectionExtensions
{
    /// <summary>
    /// Adds what the REST routes use: the host's storage, application services and configuration (from
    /// <paramref name="host"/>, the process's own container), the token issuer, the login throttle and the gate.
    /// </summary>
    public static IServiceCollection AddRestApi(this IServiceCollection services, ApiServerOptions options, IServiceProvider host)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(host);
        Forward<TimeProvider>(services, host);
        Forward<MetadataDatabase>(services, host);
        Forward<IDagStore>(services, host);
        Forward<IDagRunStore>(services, host);
        Forward<ITaskInstanceStore>(services, host);
        Forward<DagCodeStore>(services, host);
        Forward<DatabaseXComStore>(services, host);
        Forward<EventLogStore>(services, host);
        Forward<JobStore>(services, host);
        Forward<PoolStore>(services, host);
        Forward<UserStore>(services, host);
        Forward<RoleStore>(services, host);
        Forward<SecretStore>(services, host);
        Forward<DagService>(services, host);
        Forward<DagRunService>(services, host);
        Forward<TaskInstanceService>(services, host);
        Forward<BackfillStore>(services, host);
        Forward<BackfillService>(services, host);
        Forward<DagWarningStore>(services, host);
        Forward<DagParsingRequestStore>(services, host);
        Forward<AssetStore>(services, host);
        Forward<TriggerKwargsCipher>(services, host);
        Forward<Core.Runtime.IConnectionStore>(services, host);
        Forward<HitlStore>(services, host);
        Forward<RenderedFieldsStore>(services, host);
        Forward<Scheduling.Scheduling.SchedulerEngine>(services, host);
        if (host.GetService<UpdraftConfig>() is { } config)
        {
            services.AddSingleton(config);
        }

        services.AddSingleton(new RestApiSettings(options.MaximumPageLimit, options.ExposeConfig, options.TestConnection, options.LogFolder) { ListCacheLifetime = options.ListCacheLifetime });
        services.AddSingleton(s => new ListCache(options.ListCacheLifetime, s.GetRequiredService<TimeProvider>()));
        services.AddSingleton(s => new UserTokens(options.JwtSecret, options.JwtExpiration, s.GetRequiredService<TimeProvider>()));
        services.AddSingleton<LoginThrottle>();
        services.AddSingleton<BasicAuthentication>();
        services.AddSingleton(s => new ApiGate(s.GetRequiredService<UserTokens>(), s.GetRequiredService<BasicAuthentication>(), s.GetRequiredService<UserStore>(), s.GetRequiredService<EventLogStore>(), s.GetRequiredService<ListCache>(), s.GetRequiredService<TimeProvider>(), s.GetRequiredService<ILogger<ApiGate>>()));
        return services;
    }

    /// <summary>Maps <c>/auth/token</c>, every <c>/api/v2</c> route and Airflow 2's <c>/api/v1</c>.</summary>
    public static void MapRestApi(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var settings = app.Services.GetRequiredService<RestApiSettings>();
        app.MapAuth();
        app.MapFab(settings);
        var v2 = app.MapGroup(V2.V2.Prefix);
        v2.MapDags(settings);
        v2.MapDagRuns(settings);
        v2.MapBackfills(settings);
        v2.MapTaskInstances(settings);
        v2.MapXComs(settings);
        v2.MapAdmin(settings);
        v2.MapMonitor(settings);
        v2.MapAssets(settings);
        v2.MapHitl(settings);
        app.MapGroup(V1.V1Endpoints.Prefix).MapV1(settings);
        app.MapWebhooks();
        Ui.UiEndpoints.MapUi(app);
        MapDocuments(app, V2.V2.Prefix, "Updraft REST API", "2");
        MapDocuments(app, V1.V1Endpoints.Prefix, "Updraft REST API (Airflow 2 compatible)", "1");
    }

    /// <summary>The version's OpenAPI document and a page that lists its operations, both open to anyone (as Airflow's are).</summary>
    private static void MapDocuments(WebApplication app, string prefix, string title, string version)
    {
        var document = new Lazy<string>(() => OpenApiDocument.Build(app.Services.GetRequiredService<EndpointDataSource>(), prefix, title, version).ToJsonString());
        app.MapGet(prefix + "/openapi.json", () => Results.Text(document.Value, "application/json")).Anonymous();
        app.MapGet(prefix + "/docs", () => Results.Content(OpenApiPage.Render(System.Text.Json.Nodes.JsonNode.Parse(document.Value)!.AsObject(), prefix), "text/html; charset=utf-8")).Anonymous();
    }

    private static void Forward<T>(IServiceCollection services, IServiceProvider host)
        where T : class
    {
        if (host.GetService<T>() is { } service)
        {
            services.AddSingleton(service);
        }
    }
}
