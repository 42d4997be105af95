using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Updraft.Server.RestApi;

/// <summary>
/// Reads a request body into a body type the way Airflow's API validates it: malformed JSON, a body that
/// is not an object, an unknown field, a missing required field or a value of the wrong type is a 422 naming the
/// field (FastAPI's <c>loc</c>), and nothing is done.
/// </summary>
public static class ApiBody
{
    public static async Task<T> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken = default)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken);
        if (buffer.Length == 0)
        {
            throw ApiException.Invalid(["body"], "Field required", "missing");
        }

        JsonNode? node;
        try
        {
            node = JsonNode.Parse(buffer.ToArray());
        }
        catch (JsonException e)
        {
            throw ApiException.Invalid(["body", e.BytePositionInLine ?? 0], "JSON decode error", "json_invalid");
        }

        return Bind<T>(node, ["body"]);
    }

    /// <summary>Binds a parsed JSON value (a body, or one entry of a bulk body) to <typeparamref name="T"/>; <paramref name="loc"/> prefixes error locations.</summary>
    public static T Bind<T>(JsonNode? node, IReadOnlyList<object> loc)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(loc);
        if (node is not JsonObject body)
        {
            throw ApiException.Invalid(loc, "Input should be a valid dictionary or object to extract fields from", "model_attributes_type", node?.ToJsonString());
        }

        var info = ApiJson.Options.GetTypeInfo(typeof(T));
        var known = info.Properties.ToDictionary(p => p.Name, StringComparer.Ordinal);
        var errors = new List<ValidationError>();
        try
        {
            _ = body.Count;
        }
        catch (ArgumentException)
        {
            throw ApiException.Invalid(loc, "JSON decode error: a key is given twice", "json_invalid");
        }

        foreach (var (name, value) in body)
        {
            if (!known.ContainsKey(name))
            {
                errors.Add(new ValidationError("extra_forbidden", [.. loc, name], "Extra inputs are not permitted", value?.ToJsonString()));
            }
        }

        foreach (var property in info.Properties.Where(p => p.IsRequired && !body.ContainsKey(p.Name)))
        {
            errors.Add(new ValidationError("missing", [.. loc, property.Name], "Field required", null));
        }

        if (errors.Count > 0)
        {
            throw new ApiException(422, errors);
        }

        try
        {
            return body.Deserialize<T>(ApiJson.Options) ?? throw ApiException.Invalid(loc, "Field required", "missing");
        }
        catch (JsonException e)
        {
            var path = Loc(loc, e.Path);
            var field = path.Count > loc.Count ? path[^1] : null;
            throw ApiException.Invalid(path, $"Input should be a valid {Expected(info, field as string)}", "type_error", field is string f ? body[f]?.ToJsonString() : null);
        }
    }

    private static string Expected(System.Text.Json.Serialization.Metadata.JsonTypeInfo info, string? field)
    {
        var type = info.Properties.FirstOrDefault(p => p.Name == field)?.PropertyType;
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "value",
            _ when type == typeof(string) => "string",
            _ when type == typeof(int) || type == typeof(long) => "integer",
            _ when type == typeof(double) || type == typeof(decimal) => "number",
            _ when type == typeof(bool) => "boolean",
            _ when type == typeof(DateTimeOffset) => "datetime",
            _ when type == typeof(JsonObject) => "dictionary",
            _ when type.IsAssignableTo(typeof(System.Collections.IEnumerable)) => "list",
            _ => "value",
        };
    }

    /// <summary>FastAPI's location for a System.Text.Json path such as <c>$.conf.a</c> or <c>$.actions[0]</c>.</summary>
    private static List<object> Loc(IReadOnlyList<object> prefix, string? path)
    {
        var result = new List<object>(prefix);
        if (string.IsNullOrEmpty(path))
        {
            return result;
        }

        foreach (var part in path.TrimStart('$').Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            var name = part;
            var bracket = name.IndexOf('[', StringComparison.Ordinal);
            var indexes = new List<object>();
            if (bracket >= 0)
            {
                foreach (var index in name[bracket..].Split(['[', ']'], StringSplitOptions.RemoveEmptyEntries))
                {
                    indexes.Add(int.TryParse(index, System.Globalization.CultureInfo.InvariantCulture, out var i) ? i : index.Trim('\''));
                }

                name = name[..bracket];
            }

            if (name.Length > 0)
            {
                result.Add(name);
            }

            result.AddRange(indexes);
        }

        return result;
    }
}
