using Npgsql;

namespace Updraft.Bench.Peers;

/// <summary>Turns the postgresql:// URI that PostgresServer.CreateDatabase returns into what Npgsql (and so both peers) takes.</summary>
internal static class ConnectionStrings
{
    public static string FromUri(string uri)
    {
        var parsed = new Uri(uri);
        var user = Uri.UnescapeDataString(parsed.UserInfo);
        return new NpgsqlConnectionStringBuilder
        {
            Host = parsed.Host,
            Port = parsed.Port,
            Username = user.Split(':')[0],
            Password = user.Contains(':', StringComparison.Ordinal) ? user.Split(':', 2)[1] : null,
            Database = parsed.AbsolutePath.Trim('/'),
        }.ToString();
    }
}
