using System.Net.Http.Headers;
using System.Text;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;

namespace Updraft.Providers;

/// <summary>
/// HTTP calls against a connection's base URL (Airflow's <c>HttpHook</c>): the host (or a full URL in it), the schema
/// field as the scheme (default <c>http</c>, <c>https</c> for an https connection), the port; login and password as
/// basic authentication; the extra's keys as headers.
/// </summary>
public sealed class HttpHook : ConnectionHook
{
    public HttpHook(TaskContext context, string connId = DefaultConnId)
        : base(context, connId)
    {
    }

    public HttpHook(IConnectionStore connections, TaskLogger log, string connId = DefaultConnId, CancellationToken cancellationToken = default)
        : base(connections, log, connId, cancellationToken)
    {
    }

    public const string DefaultConnId = "http_default";

    private static readonly HttpClient Shared = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The connection's base URL.</summary>
    public static Uri BaseUri(Connection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        var host = connection.Host ?? throw new ArgumentException($"The connection '{connection.ConnId}' has no host.");

        // As Airflow's HttpHook: a host with a scheme is the base URL; otherwise the schema field (or the
        // connection type for https) gives the scheme. The host may carry a path; the port goes after the authority.
        var scheme = connection.Schema is { Length: > 0 } schema ? schema
            : string.Equals(connection.ConnType, "https", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
        var url = host.Contains("://", StringComparison.Ordinal) ? host : $"{scheme}://{host}";
        if (!Uri.TryCreate(url, UriKind.Absolute, out var parsed))
        {
            throw new ArgumentException($"The connection '{connection.ConnId}' does not give a valid URL ('{url}').");
        }

        var builder = new UriBuilder(parsed);
        if (connection.Port is { } port)
        {
            builder.Port = port;
        }

        return builder.Uri;
    }

    /// <summary>The templated fields of an HTTP task: <c>endpoint</c>, <c>data</c> and <c>headers.NAME</c>.</summary>
    public static IEnumerable<KeyValuePair<string, string>> TemplateFields(string endpoint, string? data, IReadOnlyDictionary<string, string> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        yield return new("endpoint", endpoint);
        if (data is not null)
        {
            yield return new("data", data);
        }

        foreach (var (name, value) in headers)
        {
            yield return new($"headers.{name}", value);
        }
    }

    /// <summary>An HTTP task's headers with their rendered values (see <see cref="TemplateFields"/>).</summary>
    public static Dictionary<string, string> RenderedHeaders(IReadOnlyDictionary<string, string> headers, IReadOnlyDictionary<string, string> rendered)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(rendered);
        return headers.ToDictionary(h => h.Key, h => rendered.GetValueOrDefault($"headers.{h.Key}") ?? h.Value, StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Sends one request to <paramref name="endpoint"/> (relative to the base URL) and reads the whole answer.</summary>
    public async Task<HttpResponseData> RunAsync(
        string method,
        string endpoint,
        string? body = null,
        IReadOnlyDictionary<string, string>? headers = null,
        TimeSpan? timeout = null)
    {
        var connection = await GetConnectionAsync();
        var baseUri = BaseUri(connection);
        var url = string.IsNullOrEmpty(endpoint) ? baseUri
            : new Uri(baseUri.ToString().TrimEnd('/') + "/" + endpoint.TrimStart('/'));
        using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), url);
        if (!string.IsNullOrEmpty(connection.Login))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue(
                "Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{connection.Login}:{connection.Password}")));
        }

        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
        }

        // The connection's extra, then the task's own headers.
        foreach (var (name, value) in connection.ExtraDejson.Select(p => (p.Key, p.Value?.ToString() ?? "")).Concat((headers ?? new Dictionary<string, string>()).Select(h => (h.Key, h.Value))))
        {
            if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && request.Content is not null)
            {
                request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(value);
            }
            else
            {
                request.Headers.Remove(name);
                request.Headers.TryAddWithoutValidation(name, value);
            }
        }

        using var limit = CancellationTokenSource.CreateLinkedTokenSource(CancellationToken);
        if (timeout is { } t)
        {
            limit.CancelAfter(t);
        }

        Log.Info($"Sending '{request.Method}' to url: {url}");
        using var response = await Shared.SendAsync(request, limit.Token);
        var text = await response.Content.ReadAsStringAsync(limit.Token);
        return new HttpResponseData(
            (int)response.StatusCode,
            response.ReasonPhrase ?? "",
            response.Headers.Concat(response.Content.Headers).ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase),
            text);
    }
}
