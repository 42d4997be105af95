using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.AspNetCore.Routing;
using Updraft.Server.RestApi;
using Updraft.Execution.Api;
using Updraft.Scheduling.Execution;
using Updraft.Server.ExecutionApi;

namespace Updraft.Server.Hosting;

/// <summary>
/// <c>updraft api-server</c>: Kestrel on <c>[api] host</c> / <c>[api] port</c> serving the execution API and the REST API. Started on its own or inside <c>standalone</c>.
/// </summary>
public sealed class ApiServer : IAsyncDisposable
{
    private readonly WebApplication _app;

    private long _requests;

    private ApiServer(WebApplication app) => _app = app;

    /// <summary>How many requests it has received since it started.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Where it listens, once started (the real port when <c>[api] port</c> is 0).</summary>
    public Uri Address { get; private set; } = new("http://127.0.0.1/");

    /// <summary>Starts a server with the execution API only (tests and benchmarks of the workers' path).</summary>
    public static Task<ApiServer> StartAsync(string host, int port, TaskExecutionService service, CancellationToken cancellationToken = default) =>
        StartAsync(new ApiServerOptions { Host = host, Port = port }, service, null, cancellationToken);

    /// <summary>
    /// Starts the server: the execution API on <paramref name="service"/> and, when <paramref name="services"/> (the
    /// host's container, with storage and the application services) is given, the REST API on them.
    /// </summary>
    public static async Task<ApiServer> StartAsync(ApiServerOptions options, TaskExecutionService service, IServiceProvider? services, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(service);
        var (host, port) = (options.Host, options.Port);
        if (!System.Net.IPAddress.TryParse(host == "localhost" ? "127.0.0.1" : host, out var address))
        {
            throw new ArgumentException($"[api] host must be an IP address (such as 127.0.0.1 or 0.0.0.0), found '{host}'.");
        }

        var builder = WebApplication.CreateSlimBuilder();

        // The process prints its own start-up lines; the server itself reports only problems.
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff ";
            o.UseUtcTimestamp = true;
        });
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.Configure<JsonOptions>(o =>
        {
            o.SerializerOptions.PropertyNamingPolicy = ExecutionApiJson.Options.PropertyNamingPolicy;
            foreach (var converter in ExecutionApiJson.Options.Converters)
            {
                o.SerializerOptions.Converters.Add(converter);
            }
        });
        builder.WebHost.UseKestrel(k =>
        {
            k.Listen(address, port);
            k.Limits.MaxRequestBodySize = options.MaxRequestBodySize;
        });
        if (services is not null)
        {
            builder.Services.AddRestApi(options, services);
        }

        var app = builder.Build();
        var server = new ApiServer(app);
        app.Use((context, next) =>
        {
            Interlocked.Increment(ref server._requests);
            return next(context);
        });
        if (services is not null)
        {
            var gate = app.Services.GetRequiredService<ApiGate>();
            app.Use((context, next) => gate.InvokeAsync(context, next));
            app.MapRestApi();
        }

        app.MapExecutionApi(service);
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        server.Address = new Uri((bound ?? $"http://{host}:{port}").Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return server;
    }

    /// <summary>The routes it serves (the permission matrix test walks them).</summary>
    public IEnumerable<RouteEndpoint> Endpoints =>
        _app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>();

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
