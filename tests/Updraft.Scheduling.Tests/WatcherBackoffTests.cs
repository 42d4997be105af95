using Updraft.Scheduling.Triggering;

namespace Updraft.Scheduling.Tests;

/// <summary>How long a failing asset watcher waits before it starts again.</summary>
public sealed class WatcherBackoffTests
{
    private static readonly TimeSpan Brief = TimeSpan.FromMilliseconds(10);

    [Fact]
    public void Failed_InARow_DoublesFromTheFirstDelayUpToTheCap()
    {
        var backoff = new WatcherBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        var delays = Enumerable.Range(0, 12).Select(_ => backoff.Failed(Brief)).ToList();
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300], delays.Select(d => d.TotalSeconds));
        Assert.Equal(12, backoff.Failures);
    }

    [Fact]
    public void Failed_AfterAnEventOrAHealthyRun_CountsAsTheFirstFailureAgain()
    {
        var backoff = new WatcherBackoff(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(5));
        backoff.Failed(Brief);
        backoff.Failed(Brief);
        Assert.Equal(TimeSpan.FromSeconds(4), backoff.Failed(Brief));

        backoff.Reset();
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Failed(Brief));
        Assert.Equal(TimeSpan.FromSeconds(2), backoff.Failed(Brief));

        // Ran as long as the cap before it failed: it was working.
        Assert.Equal(TimeSpan.FromSeconds(1), backoff.Failed(TimeSpan.FromMinutes(5)));
        Assert.Equal(1, backoff.Failures);
    }
}
