using System.Collections.Concurrent;

namespace Updraft.Server.Security;

/// <summary>
/// Slows down password guessing: after <see cref="MaxFailures"/> failed logins for one username, or from one client
/// address, within <see cref="Window"/>, further attempts are refused until the window has passed since the first of
/// them. In memory, per API server process.
/// </summary>
public sealed class LoginThrottle(TimeProvider timeProvider)
{
    public const int MaxFailures = 5;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    private readonly ConcurrentDictionary<string, (int Count, DateTimeOffset Since)> _failures = new(StringComparer.Ordinal);

    /// <summary>How long the caller must wait before trying again; null when it may try now.</summary>
    public TimeSpan? RetryAfter(string username, string client)
    {
        var now = timeProvider.GetUtcNow();
        TimeSpan? wait = null;
        foreach (var key in Keys(username, client))
        {
            if (_failures.TryGetValue(key, out var entry) && entry.Count >= MaxFailures && now - entry.Since < Window)
            {
                var left = Window - (now - entry.Since);
                wait = wait is { } w && w > left ? w : left;
            }
        }

        return wait;
    }

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

    public void Succeeded(string username) => _failures.TryRemove("user:" + username, out _);

    private static string[] Keys(string username, string client) => ["user:" + username, "client:" + client];
}
