using System.Diagnostics;
using Quartz;

namespace Updraft.Bench.Peers;

/// <summary>
/// The trivial job for Quartz. A chain is the job scheduling its successor once its own body is done (Quartz has
/// no dependency between jobs that the brief's "job schedules the next one" shape would use), so the cost of that
/// scheduling call counts as the successor's lag, as an Updraft task's bookkeeping counts in its downstream's lag.
/// </summary>
internal sealed class QuartzChainJob : IJob
{
    public async ValueTask Execute(IJobExecutionContext context, CancellationToken cancellationToken)
    {
        var start = Stopwatch.GetTimestamp();
        var data = context.MergedJobDataMap;
        var group = context.JobDetail.Key.Group;
        var chain = data.GetInt(QuartzPeer.ChainKey);
        var index = data.GetInt(QuartzPeer.IndexKey);
        var length = data.GetInt(QuartzPeer.LengthKey);
        Recorder.Record(chain, index, start, Stopwatch.GetTimestamp());
        if (index + 1 < length)
        {
            var (job, trigger) = QuartzPeer.Build(group, chain, index + 1, length, context.Scheduler.TimeProvider);
            await context.Scheduler.ScheduleJob(job, trigger, default, cancellationToken);
        }
    }
}
