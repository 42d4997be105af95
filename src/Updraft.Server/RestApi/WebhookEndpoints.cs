using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Updraft.Core.Runtime;
using Updraft.Core.Triggers;
using Updraft.Storage.Stores;

namespace Updraft.Server.RestApi;

/// <summary>
/// Webhook asset watchers (<see cref="WebhookTrigger"/>): <c>POST /webhooks/{watcher}</c> from outside, with no user
/// login — a delivery is trusted only when its HMAC-SHA256 signature under the watcher's secret matches; it then
/// records an event of the watched asset, which starts the DAGs scheduled on it. While the DAG that declares the
/// watcher is paused, deliveries are refused (409) and nothing is recorded, as the triggerer stops a paused DAG's watchers.
/// </summary>
internal static partial class WebhookEndpoints
{
    public const string Prefix = "/webhooks";

    public static void MapWebhooks(this IEndpointRouteBuilder app)
    {
        // Outside /api and /auth, so the REST API's gate does not apply (no login, no CSRF): the signature is the
        // authentication. Its errors are answered here, in the REST API's {"detail"} shape.
        app.MapPost(Prefix + "/{watcher_name}", async (string watcher_name, HttpContext context, AssetStore assets, TimeProvider time, IServiceProvider services, ILogger<WebhookTrigger> logger) =>
        {
            try
            {
                return await ReceiveAsync(watcher_name, context, assets, time, services, logger);
            }
            catch (Exception e) when (!context.RequestAborted.IsCancellationRequested)
            {
                Failed(logger, watcher_name, e);
                return Detail(500, "The delivery could not be recorded; see the API server's log.");
            }
        });
    }

    private static async Task<IResult> ReceiveAsync(string watcherName, HttpContext context, AssetStore assets, TimeProvider time, IServiceProvider services, ILogger logger)
    {
        // The watcher's arguments are stored encrypted with [core] fernet_key, as every trigger's are.
        var watchers = await assets.WatchersAsync(watcherName, typeof(WebhookTrigger).FullName!, services.GetRequiredService<TriggerKwargsCipher>(), context.RequestAborted);
        if (watchers.Count == 0)
        {
            return Detail(404, $"No webhook watcher named '{watcherName}'.");
        }

        if (watchers.Count > 1)
        {
            return Detail(409, $"Several assets have a webhook watcher named '{watcherName}'; give each a name of its own.");
        }

        var (assetId, assetName, kwargs, dagId, paused) = watchers[0];
        var hook = (WebhookTrigger)Trigger.Deserialize(typeof(WebhookTrigger), JsonNode.Parse(kwargs) as JsonObject ?? []);
        var body = await ReadBodyAsync(context.Request, hook.MaxBodyBytes, context.RequestAborted);
        if (body is null)
        {
            return Detail(413, $"The delivery is larger than the webhook's limit of {hook.MaxBodyBytes} bytes.");
        }

        var connections = services.GetService<IConnectionStore>() ?? services.GetRequiredService<SecretStore>();
        var secret = (await connections.GetAsync(hook.SecretConnectionId, context.RequestAborted))?.Password;
        if (string.IsNullOrEmpty(secret))
        {
            SecretMissing(logger, watcherName, hook.SecretConnectionId);
            return Detail(503, $"Webhook '{watcherName}' has no secret configured; see the API server's log.");
        }

        if (!SignatureMatches(context.Request.Headers[hook.SignatureHeader].ToString(), secret, body))
        {
            SignatureRefused(logger, watcherName);
            return Detail(401, $"The delivery's {hook.SignatureHeader} signature does not match.");
        }

        // As in the triggerer, a paused DAG's watchers are inactive: nothing is recorded while it is paused. Answered
        // after the signature check, so only the webhook's sender learns it.
        if (paused)
        {
            return Detail(409, $"Webhook '{watcherName}' is inactive: DAG '{dagId}', which declares it, is paused; the delivery was not recorded.");
        }

        var extra = new JsonObject
        {
            ["body"] = ParseBody(body),
            ["from_webhook"] = watcherName,
        };
        var recorded = await assets.RecordEventAsync(assetId, extra, time.GetUtcNow(), context.RequestAborted);
        if (recorded is null)
        {
            return Detail(404, $"The asset '{assetName}' of webhook '{watcherName}' is gone.");
        }

        (services.GetService(typeof(Scheduling.Scheduling.SchedulerEngine)) as Scheduling.Scheduling.SchedulerEngine)?.RequestPass();
        return Results.Json(new { asset_event_id = recorded.Id, asset = assetName }, ApiJson.Options, statusCode: 202);
    }

    /// <summary>The raw body, or null when it is larger than <paramref name="limit"/>.</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > limit)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    /// <summary>Whether <paramref name="header"/> (<c>sha256=&lt;hex&gt;</c> or bare hex) is the HMAC-SHA256 of the body under the secret; compared in constant time.</summary>
    internal static bool SignatureMatches(string header, string secret, byte[] body)
    {
        var hex = header.StartsWith("sha256=", StringComparison.OrdinalIgnoreCase) ? header["sha256=".Length..] : header;
        byte[] given;
        try
        {
            given = Convert.FromHexString(hex.Trim());
        }
        catch (FormatException)
        {
            return false;
        }

        var expected = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), body);
        return given.Length == expected.Length && CryptographicOperations.FixedTimeEquals(given, expected);
    }

    private static JsonNode? ParseBody(byte[] body)
    {
        try
        {
            return body.Length == 0 ? null : JsonNode.Parse(body);
        }
        catch (JsonException)
        {
            return JsonValue.Create(Encoding.UTF8.GetString(body));
        }
    }

    private static IResult Detail(int status, string detail) => Results.Json(new { detail }, ApiJson.Options, statusCode: status);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Watcher}: its secret connection {ConnectionId} is not defined or has no password; every delivery is refused")]
    private static partial void SecretMissing(ILogger logger, string watcher, string connectionId);

    // Debug: anyone may post, and a stream of refused deliveries must not flood the log.
    [LoggerMessage(Level = LogLevel.Debug, Message = "Webhook {Watcher}: a delivery with a signature that does not match was refused")]
    private static partial void SignatureRefused(ILogger logger, string watcher);

    [LoggerMessage(Level = LogLevel.Error, Message = "Webhook {Watcher}: a delivery could not be recorded")]
    private static partial void Failed(ILogger logger, string watcher, Exception exception);
}
