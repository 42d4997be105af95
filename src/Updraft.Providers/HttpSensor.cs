using Updraft.Core.Dags;
using Updraft.Core.Runtime;

namespace Updraft.Providers;

/// <summary>
/// Calls an HTTP endpoint of a connection until it answers as wanted (Airflow's <c>HttpSensor</c>): GET by default,
/// templated endpoint, body and header values, basic authentication from the connection. A 404 (or another status in
/// <see cref="PokeOnStatuses"/>) is "not yet"; any other error status fails the task. Without
/// <see cref="ResponseCheck"/> a success status is done; with it, done when the check says so. The result is the
/// response text, or what <see cref="ResponseFilter"/> makes of the response.
/// </summary>
public sealed class HttpSensor : SensorOperator
{
    public HttpSensor(Dag dag, string taskId, string endpoint, string? file = null, int line = 0)
        : base(dag, taskId, file, line)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
    }

    public override string OperatorName => "HttpSensor";

    public string HttpConnId { get; set; } = HttpHook.DefaultConnId;

    public string Method { get; set; } = "GET";

    public string Endpoint { get; }

    /// <summary>The request body (templated); for GET and HEAD, query parameters (<c>a=1&amp;b=2</c>), as Airflow sends them.</summary>
    public string? Data { get; set; }

    /// <summary>Request headers (values templated).</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>Done when true; false pokes again.</summary>
    public Func<HttpResponseData, bool>? ResponseCheck { get; set; }

    /// <summary>What to return once done instead of the response text.</summary>
    public Func<HttpResponseData, object?>? ResponseFilter { get; set; }

    /// <summary>Error statuses that mean "not yet" rather than a failure (Airflow's <c>response_error_codes_allowlist</c>: 404).</summary>
    public IReadOnlyCollection<int> PokeOnStatuses { get; set; } = [404];

    /// <summary>How long one request may take.</summary>
    public TimeSpan? RequestTimeout { get; set; }

    public override IEnumerable<KeyValuePair<string, string>> GetTemplateFields() => HttpHook.TemplateFields(Endpoint, Data, Headers);

    protected override async Task<PokeResult> PokeAsync(TaskContext context)
    {
        var (endpoint, data, headers) = Request(context);
        context.Log.Info($"Poking: {Method.ToUpperInvariant()} {endpoint}");
        var response = await new HttpHook(context, HttpConnId).RunAsync(Method, endpoint, data, headers, RequestTimeout);
        if (!response.IsSuccess)
        {
            if (PokeOnStatuses.Contains(response.StatusCode))
            {
                context.Log.Info($"Not yet: {response.StatusCode} {response.ReasonPhrase}");
                return PokeResult.NotDone;
            }

            context.Log.Error($"HTTP error: {response.ReasonPhrase}");
            context.Log.Error(response.Text.Length > 2000 ? response.Text[..2000] + " …" : response.Text);
            throw SensorFailure($"{response.StatusCode}:{response.ReasonPhrase}");
        }

        if (ResponseCheck is { } check && !check(response))
        {
            context.Log.Info("Response check returned False; poking again.");
            return PokeResult.NotDone;
        }

        return PokeResult.Done(ResponseFilter is { } filter ? filter(response) : response.Text);
    }

    /// <summary>
    /// Deferrable, it waits in the triggerer until the endpoint answers with a status other than
    /// <see cref="PokeOnStatuses"/> (Airflow's <c>HttpSensorTrigger</c>), then pokes once more here, with its response
    /// check, and defers again if that says not yet.
    /// </summary>
    protected override Task<Core.Triggers.Trigger?> WaitTriggerAsync(TaskContext context, TimeSpan pokeInterval)
    {
        var (endpoint, data, headers) = Request(context);
        return Task.FromResult<Core.Triggers.Trigger?>(new HttpSensorTrigger
        {
            HttpConnId = HttpConnId,
            Method = Method,
            Endpoint = endpoint,
            Data = data,
            Headers = headers,
            PokeOnStatuses = [.. PokeOnStatuses],
            RequestTimeout = RequestTimeout,
            PokeInterval = pokeInterval,
        });
    }

    private (string Endpoint, string? Data, Dictionary<string, string> Headers) Request(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rendered = context.Rendered;
        var endpoint = rendered.GetValueOrDefault("endpoint") ?? Endpoint;
        var headers = HttpHook.RenderedHeaders(Headers, rendered);
        var data = Data is null ? null : rendered.GetValueOrDefault("data") ?? Data;
        if (data is not null && Method.ToUpperInvariant() is "GET" or "HEAD")
        {
            // As Airflow's HttpHook: for GET and HEAD the data are query parameters (a=1&b=2), not a body.
            endpoint += (endpoint.Contains('?', StringComparison.Ordinal) ? "&" : "?") + data.TrimStart('?');
            data = null;
        }

        return (endpoint, data, headers);
    }
}
