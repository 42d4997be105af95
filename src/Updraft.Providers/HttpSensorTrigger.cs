using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Updraft.Core.Triggers;

namespace Updraft.Providers;

/// <summary>
/// Fires when an HTTP endpoint answers with a status other than <see cref="PokeOnStatuses"/> (Airflow's
/// <c>HttpSensorTrigger</c>): the deferrable <see cref="HttpSensor"/>'s wait. Asked every <see cref="PokeInterval"/>
/// through the <see cref="HttpConnId"/> connection; the event's payload is the status code.
/// </summary>
public sealed class HttpSensorTrigger : Trigger
{
    public string HttpConnId { get; init; } = HttpHook.DefaultConnId;

    public string Method { get; init; } = "GET";

    /// <summary>The endpoint, relative to the connection's base URL, with its query.</summary>
    public string Endpoint { get; init; } = "";

    public string? Data { get; init; }

    public Dictionary<string, string> Headers { get; init; } = [];

    public IReadOnlyList<int> PokeOnStatuses { get; init; } = [404];

    public TimeSpan? RequestTimeout { get; init; }

    public TimeSpan PokeInterval { get; init; } = TimeSpan.FromSeconds(60);

    public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var connections = context.Connections ?? throw new InvalidOperationException("HttpSensorTrigger needs connections, which this triggerer does not have.");
        var hook = new HttpHook(connections, context.Log, HttpConnId, cancellationToken);
        var pause = PokeInterval > TimeSpan.Zero ? PokeInterval : TimeSpan.FromSeconds(1);
        while (true)
        {
            var response = await hook.RunAsync(Method, Endpoint, Data, Headers, RequestTimeout);
            if (response.IsSuccess || !PokeOnStatuses.Contains(response.StatusCode))
            {
                context.Log.Info($"{Method.ToUpperInvariant()} {Endpoint} answered {response.StatusCode}; the sensor pokes again.");
                yield return new TriggerEvent(JsonValue.Create(response.StatusCode));
                yield break;
            }

            await Task.Delay(pause < TimeSpan.FromDays(1) ? pause : TimeSpan.FromDays(1), context.Clock, cancellationToken);
        }
    }
}
