using System.Collections.Concurrent;
using System.Diagnostics;

namespace Updraft.Bench.Peers;

/// <summary>
/// What the job bodies report. Static because both peers create the job instances themselves (Quartz through its
/// job factory, Hangfire from a serialized method call), so there is no instance to hand a recorder to.
/// Times are <see cref="Stopwatch"/> ticks taken inside the bodies, never read back from the peers' tables: both
/// peers run in this process, so one clock serves all of them and the database's own timestamps (and their
/// resolution) stay out of the figures.
/// </summary>
internal static class Recorder
{
    private static ConcurrentDictionary<(int Chain, int Index), JobTiming> s_timings = new();
    private static long[] s_triggered = [];
    private static TaskCompletionSource s_done = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private static int s_expected;
    private static int s_duplicates;

    /// <summary>A snapshot of the first report of every job.</summary>
    public static ICollection<JobTiming> Timings => s_timings.Values;

    /// <summary>The moment each chain was triggered, the dependency of its first job.</summary>
    public static IReadOnlyList<long> Triggered => s_triggered;

    /// <summary>Bodies that ran a second time for the same job (both peers promise at-least-once, not exactly-once).</summary>
    public static int Duplicates => Volatile.Read(ref s_duplicates);

    public static int Ended => s_timings.Count;

    /// <summary>Completes when every expected job has reported its end once.</summary>
    public static Task Done => s_done.Task;

    public static void Reset(int chains, int expected)
    {
        s_timings = new ConcurrentDictionary<(int, int), JobTiming>(Environment.ProcessorCount, expected);
        s_triggered = new long[chains];
        s_done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        s_expected = expected;
        s_duplicates = 0;
    }

    public static void MarkTriggered(int chain, long at) => s_triggered[chain] = at;

    public static void Record(int chain, int index, long start, long end)
    {
        if (!s_timings.TryAdd((chain, index), new JobTiming(chain, index, start, end)))
        {
            Interlocked.Increment(ref s_duplicates);
            return;
        }

        if (s_timings.Count == s_expected)
        {
            s_done.TrySetResult();
        }
    }
}
