using Updraft.Scheduling.Execution;

namespace Updraft.Scheduling.Tests;

public sealed class GroupCommitTests
{
    [Fact]
    public async Task CallsArrivingDuringAWrite_GoTogetherAsTheNextBatch_EachGettingItsOwnResult()
    {
        var batches = new List<int[]>();
        var firstWrite = new TaskCompletionSource();
        var commit = new GroupCommit<int, int>(async batch =>
        {
            lock (batches)
            {
                batches.Add([.. batch]);
            }

            if (batch[0] == 0)
            {
                await firstWrite.Task;
            }

            return [.. batch.Select(i => i * 10)];
        });

        var first = commit.RunAsync(0);
        while (true)
        {
            lock (batches)
            {
                if (batches.Count == 1)
                {
                    break;
                }
            }

            await Task.Yield();
        }

        var waiting = Enumerable.Range(1, 5).Select(commit.RunAsync).ToList();
        firstWrite.SetResult();
        var results = await Task.WhenAll([first, .. waiting]);

        Assert.Equal([0, 10, 20, 30, 40, 50], results);
        Assert.Equal([[0], [1, 2, 3, 4, 5]], batches);
    }

    [Fact]
    public async Task AFailedWrite_FailsItsOwnCalls_NotTheNextBatch()
    {
        var calls = 0;
        var commit = new GroupCommit<int, int>(batch =>
            Interlocked.Increment(ref calls) == 1 ? throw new TimeoutException("database away") : Task.FromResult<IReadOnlyList<int>>([.. batch]));

        var failed = await Assert.ThrowsAsync<TimeoutException>(() => commit.RunAsync(1));
        var next = await commit.RunAsync(2);

        Assert.Equal("database away", failed.Message);
        Assert.Equal(2, next);
    }
}
