using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Updraft.Scheduling.Execution;

namespace Updraft.Server.Hosting;

/// <summary>The API server as a hosted service: listening once it has started, stopped with the host.</summary>
public sealed class ApiServerService(IOptions<ApiServerOptions> options, TaskExecutionService execution, IServiceProvider services) : IHostedService, IAsyncDisposable
{
    private ApiServer? _server;

    /// <summary>Where it listens, once started (the real port when <c>[api] port</c> is 0).</summary>
    public Uri? Address => _server?.Address;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var (host, port) = (options.Value.Host, options.Value.Port);
        try
        {
            _server = await ApiServer.StartAsync(options.Value, execution, services, cancellationToken);
        }
        catch (IOException e)
        {
            throw new IOException($"The API server cannot listen on {host}:{port}: {e.Message.Split('\n')[0]} Set [api] port (UPDRAFT__API__PORT) to a free port.", e);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync() => await StopAsync(CancellationToken.None);
}
