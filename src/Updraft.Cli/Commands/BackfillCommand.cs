using System.CommandLine;
using Updraft.Cli.Hosting;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary>
/// <c>updraft dags backfill</c>: creates a backfill run for every interval of the DAG's timetable between two dates
/// (reusing runs that exist) and follows them to the end with a progress line. The scheduler runs them.
/// </summary>
internal static class BackfillCommand
{
    private const int MaxRuns = 10_000;

    public static Command Create(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var start = new Option<string>("--start-date", "-s") { Description = "The first logical date to cover.", Required = true };
        var end = new Option<string>("--end-date", "-e") { Description = "The last logical date to cover.", Required = true };
        var rerunFailed = new Option<bool>("--rerun-failed-tasks") { Description = "For runs that exist already, clear their failed tasks so they run again." };
        var conf = CommonOptions.Conf();
        var noWait = new Option<bool>("--no-wait") { Description = "Create the runs and return without following them." };
        var command = new Command("backfill", "Run a DAG for every interval between two dates.") { dagId, start, end, rerunFailed, conf, noWait };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var from = CliContext.ParseDate(parse.GetValue(start), "start date")!.Value;
            var to = CliContext.ParseDate(parse.GetValue(end), "end date")!.Value;
            if (to < from)
            {
                throw new CliException($"The end date {Iso.Format(to)} is before the start date {Iso.Format(from)}.");
            }

            var runConf = CliContext.ParseConf(parse.GetValue(conf));
            var record = await DagRunCommands.EnsureDagAsync(ctx, parse.GetValue(dagId)!, cancellationToken);
            var database = ctx.Database;
            if (!parse.GetValue(noWait) && database.Dialect == SqlDialect.Sqlite && !SchedulerLock.IsHeld(Path.Combine(ctx.Config.Home, "scheduler.lock")))
            {
                throw new CliException("No scheduler is running on this database to run the backfill: start 'updraft scheduler' or 'updraft standalone' first (or pass --no-wait).");
            }

            var (dag, version) = (await new DagStore(database).GetSerializedAsync(record.DagId, null, cancellationToken))!.Value;
            var intervals = Intervals(dag.Timetable.ToTimetable(), from, to).ToList();
            if (intervals.Count == 0)
            {
                throw new CliException($"DAG '{record.DagId}' has no scheduled intervals between {Iso.Format(from)} and {Iso.Format(to)} (its schedule is {dag.TimetableSummary}).");
            }

            var runs = new DagRunStore(database);
            var existing = (await runs.ListAsync(record.DagId, null, int.MaxValue, cancellationToken)).GroupBy(r => r.LogicalDate).ToDictionary(g => g.Key, g => g.First());
            var tasks = new TaskInstanceStore(database);
            var followed = new List<string>();
            var (created, reused) = (0, 0);
            foreach (var info in intervals)
            {
                if (existing.TryGetValue(Micros.From(info.LogicalDate), out var run))
                {
                    reused++;
                    followed.Add(run.RunId);
                    if (parse.GetValue(rerunFailed))
                    {
                        var failed = (await tasks.ListForRunAsync(run.DagId, run.RunId, cancellationToken)).Where(t => t.State is TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed);
                        await tasks.ClearAsync([.. failed.Select(t => (t.Key, dag.GetTask(t.TaskId).Retries))], cancellationToken);
                    }

                    continue;
                }

                var runId = RunIds.Generate(DagRunType.Backfill, info.LogicalDate);
                await runs.CreateAsync(dag, version, runId, DagRunType.Backfill, info, runConf, DagRunState.Queued, ctx.Environment.Time.GetUtcNow(), cancellationToken);
                followed.Add(runId);
                created++;
            }

            await EventLog.WriteAsync(ctx, "backfill", record.DagId, null, null, $"{Iso.Format(from)} to {Iso.Format(to)}: {created} new, {reused} existing", cancellationToken);
            ctx.Environment.Out.WriteLine($"Backfill of {record.DagId}: {created} run(s) created, {reused} existing run(s) reused.");
            return parse.GetValue(noWait) ? 0 : await FollowAsync(ctx, runs, record.DagId, followed, cancellationToken);
        });
        return command;
    }

    /// <summary>Every run the timetable has between the dates, as catchup would create them.</summary>
    private static IEnumerable<DagRunInfo> Intervals(Timetable timetable, DateTimeOffset from, DateTimeOffset to)
    {
        var restriction = new TimeRestriction(from, to, Catchup: true);
        DataInterval? last = null;
        for (var i = 0; i < MaxRuns; i++)
        {
            var info = timetable.NextDagRunInfo(last, restriction, to);
            if (info is null || info.LogicalDate > to)
            {
                yield break;
            }

            yield return info;
            last = info.DataInterval;
        }
    }

    private static async Task<int> FollowAsync(CliContext ctx, DagRunStore runs, string dagId, List<string> runIds, CancellationToken cancellationToken)
    {
        var wanted = runIds.ToHashSet(StringComparer.Ordinal);
        var last = "";
        while (true)
        {
            var states = (await runs.ListAsync(dagId, null, int.MaxValue, cancellationToken)).Where(r => wanted.Contains(r.RunId)).Select(r => r.State).ToList();
            var (success, failed) = (states.Count(s => s == DagRunState.Success), states.Count(s => s == DagRunState.Failed));
            var done = success + failed;
            var bar = new string('#', 20 * done / Math.Max(1, wanted.Count)).PadRight(20, '-');
            var line = $"[{bar}] {done}/{wanted.Count} runs finished ({success} success, {failed} failed)";
            if (line != last)
            {
                ctx.Environment.Out.WriteLine(line);
                last = line;
            }

            if (done == wanted.Count)
            {
                return failed == 0 ? 0 : 1;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ctx.Environment.Time, cancellationToken);
        }
    }
}
