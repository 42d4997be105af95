using Updraft.Core.Dags;
using Updraft.Core.Runtime;

namespace Updraft.Providers;

/// <summary>
/// Calls an HTTP endpoint of a connection (Airflow's <c>HttpOperator</c>): method, templated endpoint, body and
/// header values, basic authentication from the connection. An error status (400 and up) fails the task with the
/// status and the answer in its log; <see cref="ResponseCheck"/> can fail it on the content; the XCom is the response
/// text, or what <see cref="ResponseFilter"/> makes of the response.
/// </summary>
public sealed class HttpOperator : Operator
{
    public HttpOperator(Dag dag, string taskId, string endpoint, string? file = null, int line = 0)
        : base(dag, taskId, file, line)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        Endpoint = endpoint;
    }

    public override string OperatorName => "HttpOperator";

    public string HttpConnId { get; set; } = HttpHook.DefaultConnId;

    /// <summary>GET, POST (the default, as Airflow), PUT, PATCH, DELETE, HEAD.</summary>
    public string Method { get; set; } = "POST";

    public string Endpoint { get; }

    /// <summary>The request body (templated).</summary>
    public string? Data { get; set; }

    /// <summary>Request headers (values templated).</summary>
    public Dictionary<string, string> Headers { get; set; } = [];

    /// <summary>False fails the task: <c>Response check returned False.</c></summary>
    public Func<HttpResponseData, bool>? ResponseCheck { get; set; }

    /// <summary>What to push as the XCom instead of the response text.</summary>
    public Func<HttpResponseData, object?>? ResponseFilter { get; set; }

    /// <summary>Whether the response text goes to the task's log.</summary>
    public bool LogResponse { get; set; }

    public TimeSpan? Timeout { get; set; }

    public override IEnumerable<KeyValuePair<string, string>> GetTemplateFields() => HttpHook.TemplateFields(Endpoint, Data, Headers);

    public override async Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var rendered = context.Rendered;
        var headers = HttpHook.RenderedHeaders(Headers, rendered);
        var response = await new HttpHook(context, HttpConnId).RunAsync(
            Method, rendered.GetValueOrDefault("endpoint") ?? Endpoint, Data is null ? null : rendered.GetValueOrDefault("data") ?? Data, headers, Timeout);
        if (LogResponse)
        {
            context.Log.Info(response.Text);
        }

        if (!response.IsSuccess)
        {
            context.Log.Error($"HTTP error: {response.ReasonPhrase}");
            context.Log.Error(response.Text.Length > 2000 ? response.Text[..2000] + " …" : response.Text);
            throw new HttpRequestException($"{response.StatusCode}:{response.ReasonPhrase}");
        }

        if (ResponseCheck is { } check && !check(response))
        {
            throw new InvalidOperationException("Response check returned False.");
        }

        return ResponseFilter is { } filter ? filter(response) : response.Text;
    }
}
