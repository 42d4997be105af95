using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Updraft.Server.Hosting;

namespace Updraft.Server;

/// <summary>Registers the API server.</summary>
public static class ServerServiceCollectionExtensions
{
    /// <summary>
    /// Adds the API server as a hosted service on the registered <see cref="Scheduling.Execution.TaskExecutionService"/>,
    /// listening where <paramref name="configure"/> says; the address is checked when the host starts.
    /// </summary>
    public static IServiceCollection AddUpdraftApiServer(this IServiceCollection services, Action<ApiServerOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.AddOptions<ApiServerOptions>().Configure(configure).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ApiServerOptions>, ApiServerOptionsValidator>();
        services.AddSingleton<ApiServerService>();
        services.AddHostedService(s => s.GetRequiredService<ApiServerService>());
        return services;
    }

    private sealed class ApiServerOptionsValidator : IValidateOptions<ApiServerOptions>
    {
        public ValidateOptionsResult Validate(string? name, ApiServerOptions options)
        {
            if (options.Port is < 0 or > 65535)
            {
                return ValidateOptionsResult.Fail($"[api] port must be between 0 and 65535, found {options.Port}.");
            }

            if (options.MaximumPageLimit < 1)
            {
                return ValidateOptionsResult.Fail($"[api] maximum_page_limit must be 1 or more, found {options.MaximumPageLimit}.");
            }

            if (options.ListCacheLifetime < TimeSpan.Zero)
            {
                return ValidateOptionsResult.Fail($"[api] list_cache_seconds must be 0 or more, found {options.ListCacheLifetime.TotalSeconds}.");
            }

            if (options.JwtExpiration <= TimeSpan.Zero)
            {
                return ValidateOptionsResult.Fail($"[api_auth] jwt_expiration_time must be more than 0 seconds, found {options.JwtExpiration.TotalSeconds}.");
            }

            if (string.IsNullOrWhiteSpace(options.JwtSecret))
            {
                return ValidateOptionsResult.Fail("[api_auth] jwt_secret is empty; set it (every process of one installation must share it).");
            }

            return System.Net.IPAddress.TryParse(options.Host == "localhost" ? "127.0.0.1" : options.Host, out _)
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail($"[api] host must be an IP address (such as 127.0.0.1 or 0.0.0.0), found '{options.Host}'.");
        }
    }
}
