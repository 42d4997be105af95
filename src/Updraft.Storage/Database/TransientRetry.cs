namespace Updraft.Storage.Database;

/// <summary>
/// Runs a database call again, with growing pauses, while it fails because the database is briefly away (a restart,
/// a dropped connection, a busy file) and the budget lasts; any other failure, or one past the budget, is thrown.
/// </summary>
public sealed class TransientRetry(TimeProvider timeProvider, TimeSpan budget)
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(5);

    public async Task<T> RunAsync<T>(Func<CancellationToken, Task<T>> call, Action<Exception, TimeSpan>? onRetry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(call);
        var started = timeProvider.GetTimestamp();
        var pause = FirstPause;
        while (true)
        {
            try
            {
                return await call(cancellationToken);
            }
            catch (Exception e) when (MetadataDatabase.IsTransient(e) && timeProvider.GetElapsedTime(started) + pause < budget && !cancellationToken.IsCancellationRequested)
            {
                onRetry?.Invoke(e, pause);
                await Task.Delay(pause, timeProvider, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
            }
        }
    }
}
