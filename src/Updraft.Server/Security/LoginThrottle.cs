using System.Collections.Concurrent;

namespace Updraft.Server.Security;

/// <summary>
/// Slows down password guessing: after <see cref="MaxFailures"/> failed logins for one username from one client
/// address, or <see cref="MaxClientFailures"/> from one address for any usernames, within <see cref="Window"/>,
/// further attempts are refused until the window has passed since the first of them. Keying on the pair means a
/// stranger cannot lock a user out from elsewhere. An attempt counts from its start (<see cref="Begin"/>), so
/// parallel guesses cannot all pass the check before the first failure is recorded. In memory, per process.
/// </summary>
public sealed class LoginThrottle(TimeProvider timeProvider)
{
    public const int MaxFailures = 5;

    public const int MaxClientFailures = 20;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset Since)> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the caller must wait before trying again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string username, string client)
    {
        var now = timeProvider.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var key in Keys(username, client))
        {
            if (_failures.TryGetValue(key, out var entry) && entry.Count >= Limit(key) && now - entry.Since < Window)
            {
                var left = Window - (now - entry.Since);
                wait = wait is { } w && w > left ? w : left;
            }
        }

        return wait;
    }

    /// <summary>Counts an attempt that is about to check a password; <see cref="Succeeded"/> takes it back.</summary>
    public void Begin(string username, string client) => Failed(username, client);

    public void Failed(string username, string client)
    {
        var now = timeProvider.GetUtcNow();
        if (_failures.Count > 100_000)
        {
            // Bounded: a flood of made-up usernames must not grow memory without end.
            _failures.Clear();
        }

        foreach (var key in Keys(username, client))
        {
            _failures.AddOrUpdate(key, (1, now), (_, e) => now - e.Since >= Window ? (1, now) : (e.Count + 1, e.Since));
        }
    }

    /// <summary>A successful login: its attempt is taken back and the pair's failures are forgotten.</summary>
    public void Succeeded(string username, string client)
    {
        _failures.TryRemove(Keys(username, client)[0], out _);
        _failures.AddOrUpdate(Keys(username, client)[1], (0, timeProvider.GetUtcNow()), (_, e) => (Math.Max(0, e.Count - 1), e.Since));
    }

    private static int Limit(string key) => key.StartsWith("client:", StringComparison.Ordinal) ? MaxClientFailures : MaxFailures;

    private static string[] Keys(string username, string client) => ["pair:" + username + "\n" + client, "client:" + client];
}
