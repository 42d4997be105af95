using Updraft.Core.Runtime;
using Updraft.Core.Timetables;

namespace Updraft.Core.Dags;

/// <summary>
/// Lets its downstream tasks run only in the latest scheduled run (Airflow's <c>LatestOnlyOperator</c>): in a run
/// that is not the latest — a catch-up or backfill run whose next interval has already ended — its direct
/// downstream tasks are skipped. Manual runs, and runs with no schedule after them, always go on.
/// </summary>
public sealed class LatestOnlyOperator : BranchOperator
{
    public LatestOnlyOperator(Dag dag, string taskId, string? file = null, int line = 0)
        : base(dag, taskId, file, line)
    {
    }

    protected override Task<IEnumerable<string>?> ChooseBranchAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var all = Task.FromResult<IEnumerable<string>?>(DownstreamTaskIds);
        if (context.DagRun.RunType == DagRunType.Manual)
        {
            context.Log.Info("Manually triggered DAG run: allowing execution to proceed.");
            return all;
        }

        if (Window(context.DagRun) is not var (left, right))
        {
            context.Log.Info("Last scheduled execution: allowing execution to proceed.");
            return all;
        }

        var now = context.Clock.GetUtcNow();
        context.Log.Info($"Checking latest only with left_window: {Iso.Format(left)} right_window: {Iso.Format(right)} now: {Iso.Format(now)}");
        if (left < now && now <= right)
        {
            context.Log.Info("Latest, allowing execution to proceed.");
            return all;
        }

        context.Log.Info("Not latest execution, skipping downstream.");
        return Task.FromResult<IEnumerable<string>?>([]);
    }

    /// <summary>
    /// Airflow's window: from the end of the run this one follows (or its own start) to the end of the next run's
    /// interval; null when the timetable is unknown or has no run after this one.
    /// </summary>
    private static (DateTimeOffset Left, DateTimeOffset Right)? Window(DagRunContext run)
    {
        if (run.Timetable?.ToTimetable() is not { } timetable)
        {
            return null;
        }

        var current = run.DataInterval;
        var previous = timetable.NextDagRunInfo(current, new TimeRestriction(null, current.End - TimeSpan.FromTicks(10), true), current.End);
        var next = timetable.NextDagRunInfo(current, new TimeRestriction(current.End, null, true), current.End);
        return next is null ? null : (previous?.DataInterval.End ?? current.Start, next.DataInterval.End);
    }
}
