using System.Text.Json.Nodes;
using System.Text.Json.Schema;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.Routing.Patterns;

namespace Updraft.Server.RestApi;

/// <summary>
/// The OpenAPI 3.1 document of one API version, built from the routes the server really maps: each path and method,
/// its path parameters, its request body's schema (generated from the type the route binds), its security and the
/// permission it needs (<c>x-permission</c>), and Airflow's error responses. Served at <c>/api/v2/openapi.json</c>
/// and <c>/api/v1/openapi.json</c>.
/// </summary>
public static partial class OpenApiDocument
{
    public static JsonObject Build(EndpointDataSource endpoints, string prefix, string title, string version)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        var v1 = prefix == "/api/v1";
        var paths = new JsonObject();
        var schemas = new JsonObject
        {
            ["HTTPExceptionResponse"] = new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("detail"),
                ["properties"] = new JsonObject { ["detail"] = new JsonObject { ["anyOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, new JsonObject { ["type"] = "object" }) } },
            },
            ["HTTPValidationError"] = new JsonObject
            {
                ["type"] = "object",
                ["properties"] = new JsonObject { ["detail"] = new JsonObject { ["type"] = "array", ["items"] = Schema(typeof(ValidationError)) } },
            },
            ["Error"] = new JsonObject
            {
                ["type"] = "object",
                ["required"] = new JsonArray("type", "title", "status"),
                ["properties"] = new JsonObject
                {
                    ["type"] = new JsonObject { ["type"] = "string" },
                    ["title"] = new JsonObject { ["type"] = "string" },
                    ["status"] = new JsonObject { ["type"] = "number" },
                    ["detail"] = new JsonObject { ["type"] = "string" },
                    ["instance"] = new JsonObject { ["type"] = "string" },
                },
            },
        };

        foreach (var endpoint in endpoints.Endpoints.OfType<RouteEndpoint>().OrderBy(e => e.RoutePattern.RawText, StringComparer.Ordinal))
        {
            var raw = endpoint.RoutePattern.RawText ?? "";
            if (!raw.StartsWith(prefix + "/", StringComparison.Ordinal) && !(raw.StartsWith("/auth/", StringComparison.Ordinal) && !v1))
            {
                continue;
            }

            var path = Constraint().Replace(raw, "}");
            var item = paths[path] as JsonObject ?? new JsonObject();
            paths[path] = item;
            foreach (var method in endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? [])
            {
                item[method.ToLowerInvariant()] = Operation(endpoint, method, path, prefix, v1, schemas);
            }
        }

        return new JsonObject
        {
            ["openapi"] = "3.1.0",
            ["info"] = new JsonObject
            {
                ["title"] = title,
                ["version"] = version,
                ["description"] = v1
                    ? "Airflow 2's stable REST API as Updraft serves it, for older clients: HTTP basic auth, problem+json errors."
                    : "Airflow 3's stable REST API as Updraft serves it: a bearer token from POST /auth/token, {\"detail\"} errors, 422 for validation.",
            },
            ["paths"] = paths,
            ["components"] = new JsonObject
            {
                ["schemas"] = schemas,
                ["securitySchemes"] = v1
                    ? new JsonObject { ["Basic"] = new JsonObject { ["type"] = "http", ["scheme"] = "basic" } }
                    : new JsonObject { ["HTTPBearer"] = new JsonObject { ["type"] = "http", ["scheme"] = "bearer", ["bearerFormat"] = "JWT" } },
            },
        };
    }

    private static JsonObject Operation(RouteEndpoint endpoint, string method, string path, string prefix, bool v1, JsonObject schemas)
    {
        var relative = path.StartsWith(prefix, StringComparison.Ordinal) ? path[prefix.Length..] : path;
        var operation = new JsonObject
        {
            ["operationId"] = method.ToLowerInvariant() + "_" + string.Join("_", relative.Split('/', StringSplitOptions.RemoveEmptyEntries).Select(s => s.Trim('{', '}'))).Replace("~", "all", StringComparison.Ordinal),
            ["tags"] = new JsonArray(relative.Split('/', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault() ?? "api"),
        };
        var parameters = new JsonArray();
        foreach (var parameter in endpoint.RoutePattern.Parameters)
        {
            var integer = parameter.ParameterPolicies.Any(p => p.Content is "int" or "long");
            parameters.Add(new JsonObject
            {
                ["name"] = parameter.Name,
                ["in"] = "path",
                ["required"] = true,
                ["schema"] = new JsonObject { ["type"] = integer ? "integer" : "string" },
            });
        }

        foreach (var (name, type) in endpoint.Metadata.GetMetadata<QueryParameters>()?.Types ?? new Dictionary<string, string>())
        {
            parameters.Add(new JsonObject
            {
                ["name"] = name,
                ["in"] = "query",
                ["required"] = false,
                ["schema"] = type switch
                {
                    "array" => new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
                    "date-time" => new JsonObject { ["type"] = "string", ["format"] = "date-time" },
                    _ => new JsonObject { ["type"] = type },
                },
            });
        }

        if (parameters.Count > 0)
        {
            operation["parameters"] = parameters;
        }

        if (endpoint.Metadata.GetMetadata<IAcceptsMetadata>()?.RequestType is { } body)
        {
            var name = body.DeclaringType is { } outer ? outer.Name.Replace("Endpoints", "", StringComparison.Ordinal) + body.Name : body.Name;
            schemas[name] = Schema(body);
            operation["requestBody"] = new JsonObject
            {
                ["required"] = true,
                ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{name}" } } },
            };
        }

        var errorSchema = v1 ? "Error" : "HTTPExceptionResponse";
        var responses = new JsonObject { ["2XX"] = new JsonObject { ["description"] = "Successful Response" } };
        if (endpoint.Metadata.GetMetadata<AnonymousRoute>() is null)
        {
            operation["security"] = new JsonArray(new JsonObject { [v1 ? "Basic" : "HTTPBearer"] = new JsonArray() });
            if (endpoint.Metadata.GetMetadata<RequiredPermission>() is { } permission)
            {
                operation["x-permission"] = new JsonObject { ["action"] = permission.Action, ["resource"] = permission.Resource, ["scope"] = permission.Scope.ToString() };
            }

            responses["401"] = Error("Unauthorized", errorSchema);
            responses["403"] = Error("Forbidden", errorSchema);
        }

        responses["404"] = Error("Not Found", errorSchema);
        responses[v1 ? "400" : "422"] = v1 ? Error("Bad Request", errorSchema) : Error("Validation Error", "HTTPValidationError");
        operation["responses"] = responses;
        return operation;
    }

    private static JsonObject Error(string description, string schema) => new()
    {
        ["description"] = description,
        ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = new JsonObject { ["$ref"] = $"#/components/schemas/{schema}" } } },
    };

    private static JsonNode Schema(Type type) => ApiJson.Options.GetJsonSchemaAsNode(type, new JsonSchemaExporterOptions { TreatNullObliviousAsNonNullable = true });

    [GeneratedRegex(":[a-z]+}")]
    private static partial Regex Constraint();
}
