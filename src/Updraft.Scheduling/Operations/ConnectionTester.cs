using System.Data.Common;
using System.Net.Http.Headers;
using Updraft.Core.Connections;

namespace Updraft.Scheduling.Operations;

/// <summary>
/// Tests a connection the way Airflow's <c>test_connection</c> does — by using it once — for the types Updraft can
/// reach without a provider: <c>postgres</c> (opens a session and runs <c>SELECT 1</c>), <c>sqlite</c> (opens the file
/// named by the host, read-only) and <c>http</c> / <c>https</c> (a GET of the base URL that must not answer an error
/// status). Other types answer that they cannot be tested yet. The message never holds the password.
/// </summary>
public static class ConnectionTester
{
    public const string Success = "Connection successfully tested";

    /// <summary>The outcome: whether the connection works and what was found.</summary>
    public static async Task<(bool Status, string Message)> TestAsync(Connection connection, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(connection);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            return connection.ConnType?.ToLowerInvariant() switch
            {
                "postgres" or "postgresql" => await QueryAsync(Postgres(connection, timeout), limit.Token),
                "sqlite" => await QueryAsync(Sqlite(connection), limit.Token),
                "http" or "https" => await HttpAsync(connection, timeout, limit.Token),
                var other => (false, $"Testing connections of type '{other ?? "(none)"}' is not supported yet: Updraft can test postgres, sqlite, http and https connections."),
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return (false, $"No answer within {timeout.TotalSeconds:0} s.");
        }
        catch (Exception e) when (e is DbException or HttpRequestException or InvalidOperationException or ArgumentException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return (false, Scrub(e.Message, connection.Password));
        }
    }

    private static string Scrub(string message, string? password) =>
        string.IsNullOrEmpty(password) ? message : message.Replace(password, "***", StringComparison.Ordinal);

    private static Npgsql.NpgsqlConnection Postgres(Connection c, TimeSpan timeout) => new(Providers.PostgresHook.ConnectionString(c, timeout, pooling: false));

    private static Microsoft.Data.Sqlite.SqliteConnection Sqlite(Connection c) => new(Providers.SqliteHook.ConnectionString(c, readOnly: true));

    private static async Task<(bool, string)> QueryAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        await using (connection)
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            await command.ExecuteScalarAsync(cancellationToken);
            return (true, Success);
        }
    }

    private static async Task<(bool, string)> HttpAsync(Connection c, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var uri = Providers.HttpHook.BaseUri(c);
        using var http = new HttpClient { Timeout = timeout };
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        if (!string.IsNullOrEmpty(c.Login))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{c.Login}:{c.Password}")));
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        return response.IsSuccessStatusCode
            ? (true, Success)
            : (false, $"{(int)response.StatusCode}:{response.ReasonPhrase}");
    }
}
