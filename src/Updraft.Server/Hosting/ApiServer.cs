using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Updraft.Execution.Api;
using Updraft.Scheduling.Execution;
using Updraft.Server.ExecutionApi;

namespace Updraft.Server.Hosting;

/// <summary>
/// <c>updraft api-server</c>: Kestrel on <c>[api] host</c> / <c>[api] port</c> serving the execution API (the REST
/// API and UI attach here next). Started on its own or inside <c>standalone</c>.
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

    public static async Task<ApiServer> StartAsync(string host, int port, TaskExecutionService service, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
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
        builder.WebHost.UseKestrel(k => k.Listen(address, port));
        var app = builder.Build();
        var server = new ApiServer(app);
        app.Use((context, next) =>
        {
            Interlocked.Increment(ref server._requests);
            return next(context);
        });
        app.MapExecutionApi(service);
        await app.StartAsync(cancellationToken);
        var bound = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
        server.Address = new Uri((bound ?? $"http://{host}:{port}").Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
