namespace Updraft.Execution.Api;

/// <summary>
/// Runs a call again, with growing pauses, while it fails in a way <c>isTransient</c> says may pass (the database or
/// the orchestrator briefly away) and the budget lasts; any other failure, or one past the budget, is thrown.
/// </summary>
public sealed class TransientRetry(TimeProvider timeProvider, TimeSpan budget, Func<Exception, bool> isTransient)
{
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(5);

    /// <summary>Retries failures of the execution API that may pass: <see cref="ExecutionApiUnavailableException"/> and broken connections.</summary>
    public static TransientRetry ForExecutionApi(TimeProvider timeProvider, TimeSpan budget) =>
        new(timeProvider, budget, e => e is ExecutionApiUnavailableException or IOException or HttpRequestException);

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
            catch (Exception e) when (isTransient(e) && timeProvider.GetElapsedTime(started) + pause < budget && !cancellationToken.IsCancellationRequested)
            {
                onRetry?.Invoke(e, pause);
                await Task.Delay(pause, timeProvider, cancellationToken);
                pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, LongestPause.Ticks));
            }
        }
    }
}
