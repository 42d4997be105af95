namespace Updraft.Server.Hosting;

/// <summary>The API server's settings, bound from <c>updraft.cfg</c>: where it listens and how the REST API behaves.</summary>
public sealed class ApiServerOptions
{
    /// <summary><c>[api] host</c>: an IP address.</summary>
    public string Host { get; set; } = "127.0.0.1";

    /// <summary><c>[api] port</c>; 0 for any free port.</summary>
    public int Port { get; set; } = 8080;

    /// <summary>
    /// <c>[api_auth] jwt_secret</c>: signs the REST API's bearer tokens. Several secrets may be given comma-separated
    /// to rotate: the first signs, every one is accepted.
    /// </summary>
    public string JwtSecret { get; set; } = "";

    /// <summary><c>[api_auth] jwt_expiration_time</c>: how long a token from <c>/auth/token</c> is valid.</summary>
    public TimeSpan JwtExpiration { get; set; } = TimeSpan.FromDays(1);

    /// <summary><c>[api] maximum_page_limit</c>: the most items a list returns, whatever <c>limit</c> asks.</summary>
    public int MaximumPageLimit { get; set; } = 100;

    /// <summary><c>[api] expose_config</c>: whether <c>GET /api/v2/config</c> shows the configuration (sensitive values never).</summary>
    public bool ExposeConfig { get; set; }

    /// <summary><c>[core] test_connection</c> = Enabled: whether connections may be tested through the API.</summary>
    public bool TestConnection { get; set; }

    /// <summary><c>[api] list_cache_seconds</c>: how long the DAG list's answers are kept; zero keeps none.</summary>
    public TimeSpan ListCacheLifetime { get; set; }

    /// <summary><c>[logging] base_log_folder</c>: where tries' logs are read from.</summary>
    public string? LogFolder { get; set; }

    /// <summary>The most bytes a request body may have.</summary>
    public long MaxRequestBodySize { get; set; } = 4 * 1024 * 1024;
}
