using System.Globalization;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;

namespace Updraft.Providers;

/// <summary>
/// Sends email over SMTP with a connection (Airflow's <c>SmtpHook</c>): host and port, login and password when the
/// server wants them, and in the extra <c>from_email</c>, <c>disable_ssl</c> (SSL from the first byte unless true),
/// <c>disable_tls</c> (STARTTLS on a plain connection unless true) and <c>timeout</c> in seconds (30).
/// </summary>
public sealed class SmtpHook : ConnectionHook
{
    public const string DefaultConnId = "smtp_default";

    public SmtpHook(TaskContext context, string connId = DefaultConnId)
        : base(context, connId)
    {
    }

    public SmtpHook(IConnectionStore connections, TaskLogger log, string connId = DefaultConnId, CancellationToken cancellationToken = default)
        : base(connections, log, connId, cancellationToken)
    {
    }

    /// <summary>Sends one message; its sender falls back to the connection's <c>from_email</c>, then its login.</summary>
    public async Task SendAsync(EmailMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var connection = await GetConnectionAsync();
        var from = message.From ?? Extra(connection, "from_email") ?? connection.Login
            ?? throw new InvalidOperationException($"No sender for the email: give from_email, or set from_email in the extra of connection '{ConnId}'.");
        var to = Addresses(message.To, "to");
        if (to.Count == 0)
        {
            throw new ArgumentException("The email has no recipient (to).");
        }

        var mime = new MimeMessage { Subject = message.Subject };
        mime.From.Add(Address(from, "from (from_email or the connection's login)"));
        mime.To.AddRange(to);
        mime.Cc.AddRange(Addresses(message.Cc, "cc"));
        mime.Bcc.AddRange(Addresses(message.Bcc, "bcc"));
        var body = new BodyBuilder { HtmlBody = message.HtmlContent };
        foreach (var file in message.Files)
        {
            await body.Attachments.AddAsync(file, CancellationToken);
        }

        mime.Body = body.ToMessageBody();

        var useSsl = !Flag(connection, "disable_ssl");
        var security = useSsl ? SecureSocketOptions.SslOnConnect
            : Flag(connection, "disable_tls") ? SecureSocketOptions.None : SecureSocketOptions.StartTls;
        var host = connection.Host ?? throw new ArgumentException($"The connection '{ConnId}' has no host.");
        var port = connection.Port ?? (useSsl ? 465 : 25);
        var timeout = 30.0;
        if (Extra(connection, "timeout") is { } t && (!double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out timeout) || timeout <= 0))
        {
            throw new ArgumentException($"The 'timeout' extra of connection '{ConnId}' must be a number of seconds, found '{t}'.");
        }

        using var client = new SmtpClient { Timeout = (int)TimeSpan.FromSeconds(timeout).TotalMilliseconds };
        Log.Info($"Sending email to {string.Join(", ", to)} with subject '{message.Subject}' via {host}:{port.ToString(CultureInfo.InvariantCulture)}");
        await client.ConnectAsync(host, port, security, CancellationToken);
        if (!string.IsNullOrEmpty(connection.Login) && !string.IsNullOrEmpty(connection.Password))
        {
            await client.AuthenticateAsync(connection.Login, connection.Password, CancellationToken);
        }

        await client.SendAsync(mime, CancellationToken);
        await client.DisconnectAsync(quit: true, CancellationToken);
        Log.Info("Sent the email");
    }

    private static List<MailboxAddress> Addresses(IEnumerable<string> addresses, string field) =>
        [.. addresses.SelectMany(a => a.Split([',', ';'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).Select(a => Address(a, field))];

    private static MailboxAddress Address(string address, string field) =>
        MailboxAddress.TryParse(address, out var parsed) && parsed.Address.Contains('@', StringComparison.Ordinal)
            ? parsed
            : throw new ArgumentException($"'{address}' in {field} is not an email address.");

    private static string? Extra(Connection connection, string key) =>
        connection.ExtraDejson.TryGetPropertyValue(key, out var value) && value is not null ? value.ToString() : null;

    private static bool Flag(Connection connection, string key) =>
        Extra(connection, key) is { } value && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1");
}

/// <summary>An email to send: recipients (each entry may hold several, separated by commas), subject, HTML body, files.</summary>
public sealed record EmailMessage(IReadOnlyList<string> To, string Subject, string HtmlContent)
{
    public string? From { get; init; }

    public IReadOnlyList<string> Cc { get; init; } = [];

    public IReadOnlyList<string> Bcc { get; init; } = [];

    /// <summary>Paths of files to attach.</summary>
    public IReadOnlyList<string> Files { get; init; } = [];
}
