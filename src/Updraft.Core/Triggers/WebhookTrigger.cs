using System.Runtime.CompilerServices;

namespace Updraft.Core.Triggers;

/// <summary>
/// An asset watcher fed by a webhook on the API server: a service (GitHub, a partner, a storage event) posts to
/// <c>POST /webhooks/{watcher name}</c>, signed with HMAC-SHA256 of the raw body under the secret kept as the password
/// of connection <see cref="SecretConnectionId"/>, and each delivery whose signature matches records an event of the
/// asset (its body in the extra data). Deliveries are received by the API server, so no triggerer runs this trigger;
/// it serves asset watchers only.
/// </summary>
public sealed class WebhookTrigger : Trigger
{
    /// <summary>The connection whose password is the webhook's shared secret (so the secret is never in DAG code).</summary>
    public string SecretConnectionId { get; init; } = "";

    /// <summary>The request header that carries the signature: <c>sha256=&lt;hex&gt;</c> (as GitHub sends it) or bare hex.</summary>
    public string SignatureHeader { get; init; } = "X-Hub-Signature-256";

    /// <summary>The largest body accepted, in bytes; a larger delivery is refused (413).</summary>
    public int MaxBodyBytes { get; init; } = 1 << 20;

    public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await Task.CompletedTask;
        throw new InvalidOperationException("A WebhookTrigger is received by the API server (POST /webhooks/{name}); it serves asset watchers only, and no triggerer runs it.");
#pragma warning disable CS0162 // An iterator needs a yield.
        yield break;
#pragma warning restore CS0162
    }
}
