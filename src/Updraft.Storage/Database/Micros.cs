namespace Updraft.Storage.Database;

/// <summary>Times are stored as microseconds since the Unix epoch, UTC, in both dialects.</summary>
public static class Micros
{
    public static long From(DateTimeOffset value) => (value.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    public static long? From(DateTimeOffset? value) => value is { } v ? From(v) : null;

    public static DateTimeOffset To(long value) => new(DateTimeOffset.UnixEpoch.UtcTicks + value * 10, TimeSpan.Zero);

    public static DateTimeOffset? To(long? value) => value is { } v ? To(v) : null;
}
