using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Updraft.Storage.Stores;

namespace Updraft.Server.Security;

/// <summary>
/// HTTP basic authentication for Airflow 2's API (<c>/api/v1</c>), as its basic-auth backend does. Checking a password
/// hash costs tens of milliseconds by design, so a verified username and password pair is remembered for a minute (by
/// a hash of both, never the password itself); failures count towards the same login throttle as <c>/auth/token</c>.
/// </summary>
public sealed class BasicAuthentication(UserStore users, LoginThrottle throttle, TimeProvider timeProvider)
{
    private static readonly TimeSpan Remember = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, (string Username, DateTimeOffset Until)> _verified = new(StringComparer.Ordinal);

    public async Task<(string? Username, string Why)> AuthenticateAsync(string credentials, string client, CancellationToken cancellationToken)
    {
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Convert.FromBase64String(credentials));
        }
        catch (FormatException)
        {
            return (null, "Invalid credentials");
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            return (null, "Invalid credentials");
        }

        var (username, password) = (text[..colon], text[(colon + 1)..]);
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
        var now = timeProvider.GetUtcNow();
        if (_verified.TryGetValue(key, out var known) && now < known.Until)
        {
            return (known.Username, "");
        }

        if (throttle.RetryAfter(username, client) is not null)
        {
            return (null, "Too many failed logins; try again later.");
        }

        throttle.Begin(username, client);
        if (await users.VerifyAsync(username, password, now, cancellationToken) is not { } user)
        {
            return (null, "Invalid credentials");
        }

        throttle.Succeeded(username, client);

        if (_verified.Count > 10_000)
        {
            _verified.Clear();
        }

        _verified[key] = (user.Username, now + Remember);
        return (user.Username, "");
    }
}
