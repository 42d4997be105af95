using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Updraft.Server.Tests.RestApi;

/// <summary>
/// Checks JSON against the schemas of Airflow's published OpenAPI document (<c>Airflow/v2-schemas.yaml</c>, an excerpt
/// copied verbatim): OpenAPI 3.1 schemas are JSON Schema 2020-12, so each is checked with its references resolved
/// inside the document, formats (date-time, uuid) enforced.
/// </summary>
public static class AirflowSchemas
{
    /// <summary>Airflow 3's document (<c>/api/v2</c>).</summary>
    public const string V2 = "v2-schemas.yaml";

    /// <summary>Airflow 2.10's document (<c>/api/v1</c>).</summary>
    public const string V1 = "v1-schemas.yaml";

    private static readonly Dictionary<string, JsonObject> Definitions = new(StringComparer.Ordinal);
    private static readonly Dictionary<string, JsonSchema> Cache = new(StringComparer.Ordinal);
    private static readonly Lock Gate = new();

    /// <summary>Fails the test, listing every error, unless <paramref name="json"/> matches Airflow's schema <paramref name="name"/>.</summary>
    public static void AssertMatches(string name, JsonNode? json, string document = V2)
    {
        JsonSchema schema;
        lock (Gate)
        {
            if (!Cache.TryGetValue(document + "#" + name, out schema!))
            {
                if (!Definitions.TryGetValue(document, out var definitions))
                {
                    Definitions[document] = definitions = Load(document);
                }

                Assert.True(definitions.ContainsKey(name), $"Airflow's document {document} has no schema {name}.");
                var root = new JsonObject
                {
                    ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
                    ["$id"] = $"https://updraft.test/airflow/{document}/{name}",
                    ["$defs"] = definitions.DeepClone(),
                    ["$ref"] = $"#/$defs/{name}",
                };
                schema = JsonSchema.FromText(root.ToJsonString(), new BuildOptions { SchemaRegistry = new SchemaRegistry() });
                Cache[document + "#" + name] = schema;
            }
        }

        using var instance = JsonDocument.Parse(json?.ToJsonString() ?? "null");
        var result = schema.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List, RequireFormatValidation = true });
        if (!result.IsValid)
        {
            var errors = (result.Details ?? []).Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(e => $"{d.InstanceLocation}: {e.Key} {e.Value}"));
            Assert.Fail($"The response does not match Airflow's {name}:\n{string.Join("\n", errors.Distinct().Take(20))}\n{json?.ToJsonString()[..Math.Min(2000, json.ToJsonString().Length)]}");
        }
    }

    private static JsonObject Load(string document)
    {
        var path = Path.Combine(AppContext.BaseDirectory, "Airflow", document);
        var stream = new YamlStream();
        using (var reader = new StringReader(File.ReadAllText(path)))
        {
            stream.Load(reader);
        }

        var json = ToJson(stream.Documents[0].RootNode)!;
        var schemas = json["components"]!["schemas"]!.AsObject();
        Rewrite(schemas);
        AllowNullable(schemas);
        return schemas;
    }

    /// <summary>YAML to JSON: plain scalars typed as YAML 1.2's core schema reads them, quoted ones kept as text.</summary>
    private static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                return new JsonObject(map.Children.Select(p => KeyValuePair.Create(((YamlScalarNode)p.Key).Value!, ToJson(p.Value))));
            case YamlSequenceNode list:
                return new JsonArray([.. list.Children.Select(ToJson)]);
            case YamlScalarNode { Style: ScalarStyle.Plain } scalar:
                var text = scalar.Value ?? "";
                if (text is "null" or "~" or "")
                {
                    return null;
                }

                if (text is "true" or "false")
                {
                    return JsonValue.Create(text == "true");
                }

                if (long.TryParse(text, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var integer))
                {
                    return JsonValue.Create(integer);
                }

                return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var number)
                    ? JsonValue.Create(number)
                    : JsonValue.Create(text);
            case YamlScalarNode scalar:
                return JsonValue.Create(scalar.Value);
            default:
                throw new InvalidDataException($"Unexpected YAML node {node.NodeType}.");
        }
    }

    /// <summary>
    /// OpenAPI 3.0's <c>nullable: true</c> (Airflow 2's document) as JSON Schema says it: the schema, or null. OpenAPI
    /// 3.1 documents (Airflow 3's) use null types already and have no <c>nullable</c>.
    /// </summary>
    private static void AllowNullable(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, value) in o.ToList())
                {
                    AllowNullable(value);
                }

                if (o["nullable"] is JsonValue n && n.GetValueKind() == System.Text.Json.JsonValueKind.True)
                {
                    o.Remove("nullable");
                    var copy = o.DeepClone().AsObject();
                    foreach (var key in o.Select(p => p.Key).ToList())
                    {
                        o.Remove(key);
                    }

                    o["anyOf"] = new JsonArray(copy, new JsonObject { ["type"] = "null" });
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    AllowNullable(item);
                }

                break;
        }
    }

    /// <summary>References point into the document's components; here they point into <c>$defs</c>.</summary>
    private static void Rewrite(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (key, value) in o.ToList())
                {
                    if (key == "$ref" && value is JsonValue v && v.GetValue<string>() is var reference && reference.StartsWith("#/components/schemas/", StringComparison.Ordinal))
                    {
                        o[key] = "#/$defs/" + reference["#/components/schemas/".Length..];
                    }
                    else
                    {
                        Rewrite(value);
                    }
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Rewrite(item);
                }

                break;
        }
    }
}
