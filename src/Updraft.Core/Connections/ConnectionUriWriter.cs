using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Updraft.Core.Connections;

/// <summary>Writes a connection as Airflow's <c>get_uri()</c> does, so the URI reads back to the same connection.</summary>
internal static class ConnectionUriWriter
{
    public static string Write(Connection conn)
    {
        var uri = new StringBuilder((conn.ConnType ?? "").Replace('_', '-')).Append("://");
        var authority = "";
        if (conn.Login is not null)
        {
            authority += Uri.EscapeDataString(conn.Login);
        }

        if (conn.Password is not null)
        {
            authority += ":" + Uri.EscapeDataString(conn.Password);
        }

        if (authority.Length > 0)
        {
            uri.Append(authority).Append('@');
        }

        var host = string.IsNullOrEmpty(conn.Host) ? "" : Uri.EscapeDataString(conn.Host);
        if (conn.Port is { } port and not 0)
        {
            host += host.Length == 0 && authority.Length == 0 ? $"@:{port}" : $":{port}";
        }

        if (!string.IsNullOrEmpty(conn.Schema))
        {
            host += "/" + Uri.EscapeDataString(conn.Schema);
        }

        uri.Append(host);
        if (!string.IsNullOrEmpty(conn.Extra))
        {
            uri.Append(string.IsNullOrEmpty(conn.Schema) ? "/?" : "?");
            uri.Append(FlatQuery(conn.Extra) ?? "__extra__=" + QuotePlus(conn.Extra));
        }

        return uri.ToString();
    }

    /// <summary>The extra as a query string when it is a flat object of strings (so it reads back the same), else null.</summary>
    private static string? FlatQuery(string extra)
    {
        try
        {
            if (JsonNode.Parse(extra) is not JsonObject obj || obj.Count == 0)
            {
                return null;
            }

            var pairs = new List<string>();
            foreach (var (key, value) in obj)
            {
                if (value is not JsonValue v || v.GetValueKind() != JsonValueKind.String)
                {
                    return null;
                }

                pairs.Add(QuotePlus(key) + "=" + QuotePlus(v.GetValue<string>()));
            }

            return string.Join('&', pairs);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static string QuotePlus(string text) => Uri.EscapeDataString(text).Replace("%20", "+", StringComparison.Ordinal);
}
