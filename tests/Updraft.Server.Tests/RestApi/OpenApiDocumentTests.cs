using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Routing;

namespace Updraft.Server.Tests.RestApi;

/// <summary>The OpenAPI documents the server serves describe what it does: its routes, bodies and security.</summary>
public sealed class OpenApiDocumentTests : IAsyncLifetime
{
    private RestApiServer _api = null!;

    public async Task InitializeAsync() => _api = await RestApiServer.StartAsync(null);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData("/api/v2")]
    [InlineData("/api/v1")]
    public async Task Document_ListsEveryServedRoute_BodiesResolve_SecurityAsEnforced(string prefix)
    {
        var document = JsonNode.Parse(await _api.Anonymous.GetStringAsync(prefix.TrimStart('/') + "/openapi.json"))!.AsObject();
        Assert.Equal("3.1.0", document["openapi"]!.GetValue<string>());
        var documented = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(m => $"{m.Key.ToUpperInvariant()} {p.Key}"))
            .ToHashSet(StringComparer.Ordinal);
        var served = _api.Server.Endpoints
            .Where(e => e.RoutePattern.RawText!.StartsWith(prefix + "/", StringComparison.Ordinal) || (prefix == "/api/v2" && e.RoutePattern.RawText!.StartsWith("/auth/", StringComparison.Ordinal)))
            .SelectMany(e => e.Metadata.GetMetadata<HttpMethodMetadata>()!.HttpMethods.Select(m => $"{m} {System.Text.RegularExpressions.Regex.Replace(e.RoutePattern.RawText!, ":[a-z]+}", "}")}"))
            .ToHashSet(StringComparer.Ordinal);
        Assert.Equal(served.Order(StringComparer.Ordinal), documented.Order(StringComparer.Ordinal));

        // Every reference resolves; bodies carry their fields.
        var schemas = document["components"]!["schemas"]!.AsObject();
        foreach (var reference in Refs(document))
        {
            Assert.True(schemas.ContainsKey(reference.Split('/')[^1]), $"unresolved {reference}");
        }

        var trigger = document["paths"]![$"{prefix}/dags/{{dag_id}}/dagRuns"]!["post"]!["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!.GetValue<string>().Split('/')[^1];
        Assert.Contains("dag_run_id", schemas[trigger]!["properties"]!.AsObject().Select(p => p.Key));

        // Query parameters are those the routes read (the tests' strict mode refuses undeclared reads), with their types.
        var listDags = document["paths"]![$"{prefix}/dags"]!["get"]!["parameters"]!.AsArray()
            .Where(p => p!["in"]!.GetValue<string>() == "query")
            .ToDictionary(p => p!["name"]!.GetValue<string>(), p => p!["schema"]!["type"]!.GetValue<string>());
        Assert.Equal(("integer", "integer", "array", "array"), (listDags["limit"], listDags["offset"], listDags["order_by"], listDags["tags"]));
        Assert.Equal("boolean", listDags["paused"]);

        // What the document says about security is what the server enforces: without credentials, secured
        // operations answer 401 and open ones do not.
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                using var request = new HttpRequestMessage(new HttpMethod(method.ToUpperInvariant()), Concrete(path).TrimStart('/'));
                if (method is "post" or "patch" or "put")
                {
                    request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                }

                using var response = await _api.Anonymous.SendAsync(request);
                Assert.True(
                    (operation!["security"] is not null) == (response.StatusCode == HttpStatusCode.Unauthorized),
                    $"{method} {path}: {(int)response.StatusCode}, documented {(operation["security"] is null ? "open" : "secured")}");
            }
        }
    }

    [Fact]
    public async Task DocsPage_ListsOperations()
    {
        var page = await _api.Anonymous.GetStringAsync("api/v2/docs");
        Assert.Contains("<code>/api/v2/dags/{dag_id}/dagRuns</code>", page, StringComparison.Ordinal);
        Assert.Contains("can_create on DAG Runs", page, StringComparison.Ordinal);
    }

    private static string Concrete(string path) => System.Text.RegularExpressions.Regex.Replace(path, "{[a-z_]+}", m => m.Value switch
    {
        "{map_index}" or "{version_number}" or "{task_try_number}" or "{try_number}" or "{import_error_id}" or "{event_log_id}" => "1",
        "{dag_id}" => "alpha",
        "{dag_run_id}" => "r1",
        "{task_id}" => "a",
        _ => "x",
    });

    private static IEnumerable<string> Refs(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => p.Key == "$ref" ? [p.Value!.GetValue<string>()] : Refs(p.Value)),
        JsonArray a => a.SelectMany(Refs),
        _ => [],
    };
}
