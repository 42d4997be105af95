using System.Diagnostics;

namespace Updraft.Bench.Peers;

/// <summary>
/// The trivial job for Hangfire: a static method, which Hangfire stores as a method call and invokes on a worker.
/// Chains need nothing here because they are built from continuations (BackgroundJob.ContinueJobWith) up front.
/// </summary>
internal static class HangfireJobs
{
    public static void Run(int chain, int index)
    {
        var start = Stopwatch.GetTimestamp();
        Recorder.Record(chain, index, start, Stopwatch.GetTimestamp());
    }
}
