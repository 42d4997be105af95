using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Updraft.Core.Connections;

/// <summary>
/// Credentials and location of an external system, read from Airflow's URI or JSON forms. Its text forms
/// never include the password.
/// </summary>
public sealed class Connection
{
    public Connection(string connId, string? connType = null)
    {
        ConnId = connId ?? throw new ArgumentNullException(nameof(connId));
        ConnType = connType;
    }

    public string ConnId { get; }

    public string? ConnType { get; set; }

    public string? Description { get; set; }

    public string? Host { get; set; }

    public string? Login { get; set; }

    public string? Password { get; set; }

    public string? Schema { get; set; }

    public int? Port { get; set; }

    /// <summary>Extra settings as a JSON document string.</summary>
    public string? Extra { get; set; }

    /// <summary><see cref="Extra"/> parsed; empty when there is none or it is not a JSON object.</summary>
    public JsonObject ExtraDejson
    {
        get
        {
            if (string.IsNullOrWhiteSpace(Extra))
            {
                return [];
            }

            try
            {
                return JsonNode.Parse(Extra) as JsonObject ?? [];
            }
            catch (JsonException)
            {
                return [];
            }
        }
    }

    /// <summary>Reads the value of an <c>UPDRAFT_CONN_*</c> variable or a secret: JSON when it starts with <c>{</c>, else a URI.</summary>
    public static Connection FromString(string connId, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value.TrimStart().StartsWith('{') ? FromJson(connId, value) : FromUri(connId, value);
    }

    public static Connection FromUri(string connId, string uri) => ConnectionUri.Parse(connId, uri);

    public static Connection FromJson(string connId, string json)
    {
        JsonObject doc;
        try
        {
            doc = JsonNode.Parse(json) as JsonObject ?? throw new InvalidConnectionException($"Connection '{connId}' JSON must be an object.");
        }
        catch (JsonException e)
        {
            throw new InvalidConnectionException($"Connection '{connId}' is not valid JSON: {e.Message}");
        }

        var conn = new Connection(connId, Text(doc, "conn_type") is { } type ? ConnectionUri.NormalizeType(type) : null)
        {
            Description = Text(doc, "description"),
            Host = Text(doc, "host"),
            Login = Text(doc, "login"),
            Password = Text(doc, "password"),
            Schema = Text(doc, "schema"),
        };
        if (doc["port"] is { } port)
        {
            conn.Port = port.GetValueKind() switch
            {
                JsonValueKind.Number => port.GetValue<int>(),
                JsonValueKind.String when int.TryParse(port.GetValue<string>(), NumberStyles.None, CultureInfo.InvariantCulture, out var p) => p,
                JsonValueKind.Null => null,
                _ => throw new InvalidConnectionException($"Connection '{connId}' has a port that is not a number."),
            };
        }

        conn.Extra = doc["extra"] switch
        {
            null => null,
            JsonObject extra => extra.ToJsonString(),
            JsonValue value when value.GetValueKind() == JsonValueKind.String => value.GetValue<string>(),
            var other => other.ToJsonString(),
        };
        return conn;
    }

    /// <summary>The connection as a URI in Airflow's form (it includes the password: never log it).</summary>
    public string ToUri() => ConnectionUriWriter.Write(this);

    /// <summary>The connection in Airflow's JSON form (it includes the password: never log it).</summary>
    public JsonObject ToJson()
    {
        var json = new JsonObject
        {
            ["conn_type"] = ConnType,
            ["description"] = Description,
            ["host"] = Host,
            ["login"] = Login,
            ["password"] = Password,
            ["schema"] = Schema,
            ["port"] = Port,
        };
        json["extra"] = string.IsNullOrEmpty(Extra) ? null : ExtraDejson.Count > 0 ? ExtraDejson : JsonValue.Create(Extra);
        return json;
    }

    /// <summary>The connection id only, as Airflow renders a connection in a template.</summary>
    public override string ToString() => ConnId;

    private static string? Text(JsonObject doc, string name) => doc[name] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        var other => other.ToJsonString(),
    };
}
