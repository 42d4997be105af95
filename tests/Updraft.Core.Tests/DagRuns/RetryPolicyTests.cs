using Updraft.Core.DagRuns;
using Updraft.Core.Serialization;

namespace Updraft.Core.Tests.DagRuns;

public class RetryPolicyTests
{
    private static readonly DateTimeOffset Date = new(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static SerializedTask Task(bool backoff, TimeSpan? max = null) => new()
    {
        TaskId = "t",
        Operator = "EmptyOperator",
        Retries = 3,
        RetryDelay = TimeSpan.FromSeconds(10),
        RetryExponentialBackoff = backoff,
        MaxRetryDelay = max,
    };

    [Fact]
    public void CanRetry_UntilRetriesAreUsed()
    {
        Assert.True(RetryPolicy.CanRetry(Task(false), 3));
        Assert.False(RetryPolicy.CanRetry(Task(false), 4));
    }

    [Fact]
    public void NextRetryDelay_NoBackoff_IsTheDelay() =>
        Assert.Equal(TimeSpan.FromSeconds(10), RetryPolicy.NextRetryDelay(Task(false), "d", Date, 2, TimeSpan.FromDays(1)));

    [Theory]
    [InlineData(1, 10, 20)]
    [InlineData(2, 20, 40)]
    [InlineData(3, 40, 80)]
    public void NextRetryDelay_Backoff_DoublesWithinBounds(int tryNumber, double min, double max)
    {
        var delay = RetryPolicy.NextRetryDelay(Task(true), "d", Date, tryNumber, TimeSpan.FromDays(1)).TotalSeconds;
        Assert.InRange(delay, min, max);
        Assert.Equal(delay, RetryPolicy.NextRetryDelay(Task(true), "d", Date, tryNumber, TimeSpan.FromDays(1)).TotalSeconds);
    }

    [Fact]
    public void NextRetryDelay_Backoff_CappedByTaskAndConfig()
    {
        Assert.Equal(TimeSpan.FromSeconds(15), RetryPolicy.NextRetryDelay(Task(true, TimeSpan.FromSeconds(15)), "d", Date, 3, TimeSpan.FromDays(1)));
        Assert.Equal(TimeSpan.FromSeconds(12), RetryPolicy.NextRetryDelay(Task(true), "d", Date, 3, TimeSpan.FromSeconds(12)));
    }

    [Fact]
    public void NextRetryDelay_HugeTryNumber_DoesNotOverflow() =>
        Assert.Equal(TimeSpan.FromDays(1), RetryPolicy.NextRetryDelay(Task(true), "d", Date, 200, TimeSpan.FromDays(1)));
}
