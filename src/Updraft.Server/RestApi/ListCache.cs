using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Updraft.Server.RestApi;

/// <summary>
/// Answers of busy list routes (the DAG list) kept for a short time (<c>[api] list_cache_seconds</c>), per caller and
/// query, with an ETag so a client that has the answer gets a 304. A change made through this server (any successful
/// request that is not a read) empties it at once; changes made elsewhere (the scheduler, the CLI, another API server)
/// show within the time.
/// </summary>
public sealed class ListCache(TimeSpan lifetime, TimeProvider timeProvider)
{
    private const int MaxEntries = 1_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private long _generation;

    private sealed record Entry(byte[] Body, string ETag, DateTimeOffset Expires);

    /// <summary>Forgets every answer (a change was made).</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _entries.Clear();
    }

    /// <summary>The cached answer of this request, or the one <paramref name="build"/> makes (kept when the cache is on).</summary>
    public async Task<IResult> AnswerAsync(HttpContext context, Func<Task<object>> build)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(build);
        var key = $"{context.Caller().Username}\n{context.Request.Path}{context.Request.QueryString}";
        var now = timeProvider.GetUtcNow();
        if (!_entries.TryGetValue(key, out var entry) || entry.Expires <= now)
        {
            var generation = Interlocked.Read(ref _generation);
            var body = JsonSerializer.SerializeToUtf8Bytes(await build(), ApiJson.Options);
            entry = new Entry(body, $"\"{Convert.ToHexStringLower(SHA256.HashData(body).AsSpan(0, 12))}\"", now + lifetime);

            // Kept only if nothing changed while it was built, so a write is never hidden by an older answer.
            if (lifetime > TimeSpan.Zero && generation == Interlocked.Read(ref _generation))
            {
                if (_entries.Count >= MaxEntries)
                {
                    _entries.Clear();
                }

                _entries[key] = entry;
            }
        }

        context.Response.Headers.ETag = entry.ETag;
        return context.Request.Headers.IfNoneMatch.Contains(entry.ETag)
            ? Results.StatusCode(StatusCodes.Status304NotModified)
            : Results.Bytes(entry.Body, "application/json");
    }
}
