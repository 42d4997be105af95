using System.Globalization;
using System.Text.Json;

namespace Updraft.Core.Connections;

/// <summary>Airflow's connection URI reading: scheme → type, user info → login/password, path → schema, query → extra.</summary>
internal static class ConnectionUri
{
    private const string ExtraKey = "__extra__";

    public static Connection Parse(string connId, string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        var schemes = CountOf(uri, "://");
        var schemeEnd = uri.IndexOf("://", StringComparison.Ordinal);
        if (schemes > 2 || schemeEnd <= 0)
        {
            throw Invalid(connId, uri);
        }

        var scheme = uri[..schemeEnd];
        var rest = uri[(schemeEnd + 3)..];
        string? protocol = null;
        if (schemes == 2)
        {
            var inner = rest.IndexOf("://", StringComparison.Ordinal);
            var head = rest[..inner];
            if (head.Contains('@', StringComparison.Ordinal) || head.Contains(':', StringComparison.Ordinal))
            {
                throw Invalid(connId, uri);
            }

            protocol = head;
            rest = rest[(inner + 3)..];
        }

        var (netloc, path, query) = SplitRest(rest);
        string? login = null, password = null;
        var hostPort = netloc;
        var at = netloc.LastIndexOf('@');
        if (at >= 0)
        {
            var userInfo = netloc[..at];
            hostPort = netloc[(at + 1)..];
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            login = colon >= 0 ? userInfo[..colon] : userInfo;
            password = colon >= 0 ? userInfo[(colon + 1)..] : null;
        }

        var (host, port) = SplitHostPort(connId, uri, hostPort);
        host = Uri.UnescapeDataString(host);
        if (!host.Contains('/', StringComparison.Ordinal))
        {
            // As Python's urlsplit: a plain host name is case-insensitive and read in lower case; an encoded path (a socket) is kept.
            host = host.ToLowerInvariant();
        }

        var conn = new Connection(connId, NormalizeType(scheme))
        {
            Host = protocol is null ? host : $"{protocol}://{host}",
            Login = string.IsNullOrEmpty(login) ? null : Uri.UnescapeDataString(login),
            Password = string.IsNullOrEmpty(password) ? null : Uri.UnescapeDataString(password),
            Schema = path.Length > 1 ? Uri.UnescapeDataString(path[1..]) : "",
            Port = port,
        };
        if (query.Length > 0)
        {
            var pairs = ParseQuery(query);
            conn.Extra = pairs.TryGetValue(ExtraKey, out var extra) ? extra : JsonSerializer.Serialize(pairs);
        }

        return conn;
    }

    /// <summary>Airflow's connection-type normalisation, for URIs and JSON alike: <c>postgresql</c> → <c>postgres</c>, <c>-</c> → <c>_</c>.</summary>
    internal static string NormalizeType(string scheme)
    {
        var type = scheme.Replace('-', '_');
        return type == "postgresql" ? "postgres" : type;
    }

    private static (string Netloc, string Path, string Query) SplitRest(string rest)
    {
        var query = "";
        var q = rest.IndexOf('?', StringComparison.Ordinal);
        if (q >= 0)
        {
            query = rest[(q + 1)..];
            rest = rest[..q];
        }

        var hash = rest.IndexOf('#', StringComparison.Ordinal);
        if (hash >= 0)
        {
            rest = rest[..hash];
        }

        var slash = rest.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (rest, "", query) : (rest[..slash], rest[slash..], query);
    }

    private static (string Host, int? Port) SplitHostPort(string connId, string uri, string hostPort)
    {
        if (hostPort.StartsWith('['))
        {
            var close = hostPort.IndexOf(']', StringComparison.Ordinal);
            var host = close > 0 ? hostPort[1..close] : hostPort;
            var after = close > 0 ? hostPort[(close + 1)..] : "";
            return (host, after.StartsWith(':') ? ParsePort(connId, uri, after[1..]) : null);
        }

        var colon = hostPort.LastIndexOf(':');
        return colon < 0 ? (hostPort, null) : (hostPort[..colon], ParsePort(connId, uri, hostPort[(colon + 1)..]));
    }

    private static int? ParsePort(string connId, string uri, string text)
    {
        if (text.Length == 0)
        {
            return null;
        }

        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            throw new InvalidConnectionException($"Invalid connection string for '{connId}': the port is not a number from 0 to 65535.");
        }

        return port;
    }

    private static Dictionary<string, string> ParseQuery(string query)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            var key = Unquote(eq < 0 ? part : part[..eq]);
            pairs[key] = eq < 0 ? "" : Unquote(part[(eq + 1)..]);
        }

        return pairs;
    }

    private static string Unquote(string text) => Uri.UnescapeDataString(text.Replace('+', ' '));

    private static int CountOf(string text, string part)
    {
        var count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }

        return count;
    }

    private static InvalidConnectionException Invalid(string connId, string uri) =>
        new($"Invalid connection string for '{connId}': {Redact(uri)}");

    /// <summary>The URI with any password replaced, so errors never show it.</summary>
    private static string Redact(string uri)
    {
        var at = uri.LastIndexOf('@');
        if (at < 0)
        {
            return uri;
        }

        var start = uri.LastIndexOf("://", at, StringComparison.Ordinal);
        var colon = uri.IndexOf(':', start < 0 ? 0 : start + 3);
        return colon >= 0 && colon < at ? uri[..(colon + 1)] + "***" + uri[at..] : uri;
    }
}
