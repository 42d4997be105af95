namespace Updraft.Scheduling.Triggering;

/// <summary>
/// When a failing asset watcher starts again: <see cref="TriggererOptions.WatcherRetryDelay"/> after its first failure,
/// twice as long after each further failure in a row, never longer than <see cref="TriggererOptions.WatcherMaxRetryDelay"/>.
/// A watcher that yielded an event, or ran at least that cap before failing, was healthy: its next failure counts as the
/// first again. Without it a watcher whose service is down restarted (and logged its failure) every poll interval.
/// </summary>
internal sealed class WatcherBackoff(TimeSpan first, TimeSpan max)
{
    /// <summary>Failures in a row, the latest included.</summary>
    public int Failures { get; private set; }

    /// <summary>It yielded an event: it works.</summary>
    public void Reset() => Failures = 0;

    /// <summary>It failed after running for <paramref name="ranFor"/>: how long to wait before starting it again.</summary>
    public TimeSpan Failed(TimeSpan ranFor)
    {
        if (ranFor >= max)
        {
            Failures = 0;
        }

        Failures++;

        // Doubled in doubles, so a long run of failures cannot overflow before the cap applies.
        var delay = first.TotalMilliseconds * Math.Pow(2, Math.Min(Failures - 1, 62));
        return delay >= max.TotalMilliseconds ? max : TimeSpan.FromMilliseconds(delay);
    }
}
