namespace Updraft.Server.Hosting;

/// <summary>Where the API server listens: <c>[api] host</c> (an IP address) and <c>[api] port</c> (0 for any free port).</summary>
public sealed class ApiServerOptions
{
    public string Host { get; set; } = "127.0.0.1";

    public int Port { get; set; } = 8080;
}
