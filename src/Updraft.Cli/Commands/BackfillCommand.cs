using System.CommandLine;
using Updraft.Cli.Hosting;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Scheduling.Operations;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary>
/// Backfills from the command line, through <see cref="BackfillService"/> as the REST API: <c>updraft backfill create</c>
/// (Airflow 3's flags; returns once the backfill exists) and <c>updraft dags backfill</c> (Airflow 2's flags; follows the
/// runs to the end with a progress line). The scheduler runs them.
/// </summary>
internal static class BackfillCommand
{
    /// <summary><c>updraft backfill create</c>.</summary>
    public static Command CreateGroup(Func<CliContext> context)
    {
        var dagId = new Option<string>("--dag-id") { Description = "The id of the DAG.", Required = true };
        var from = new Option<string>("--from-date") { Description = "The first logical date to cover.", Required = true };
        var to = new Option<string>("--to-date") { Description = "The last logical date to cover.", Required = true };
        var conf = new Option<string?>("--dag-run-conf") { Description = "JSON object every run gets as dag_run.conf." };
        var shared = new SharedOptions();
        var create = new Command("create", "Create a backfill: the scheduler runs the DAG for every interval between two dates.") { dagId, from, to, conf };
        shared.AddTo(create);
        create.SetAction(async (parse, cancellationToken) =>
        {
            var request = Request(parse, parse.GetValue(dagId)!, parse.GetValue(from), parse.GetValue(to), parse.GetValue(conf), shared, rerunFailed: false);
            return await RunAsync(context(), request, shared.DryRun(parse), follow: false, cancellationToken);
        });
        return new Command("backfill", "Backfills: runs of a DAG for past intervals.") { create };
    }

    /// <summary><c>updraft dags backfill</c>.</summary>
    public static Command Create(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var start = new Option<string>("--start-date", "-s") { Description = "The first logical date to cover.", Required = true };
        var end = new Option<string>("--end-date", "-e") { Description = "The last logical date to cover.", Required = true };
        var rerunFailed = new Option<bool>("--rerun-failed-tasks") { Description = "Run again the existing runs that failed (--reprocess-behavior failed)." };
        var conf = CommonOptions.Conf();
        var noWait = new Option<bool>("--no-wait") { Description = "Create the backfill and return without following its runs." };
        var shared = new SharedOptions();
        var command = new Command("backfill", "Run a DAG for every interval between two dates, and follow the runs to the end.") { dagId, start, end, rerunFailed, conf, noWait };
        shared.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var request = Request(parse, parse.GetValue(dagId)!, parse.GetValue(start), parse.GetValue(end), parse.GetValue(conf), shared, parse.GetValue(rerunFailed));
            return await RunAsync(context(), request, shared.DryRun(parse), follow: !parse.GetValue(noWait), cancellationToken);
        });
        return command;
    }

    private sealed class SharedOptions
    {
        private readonly Option<string?> _reprocess = new("--reprocess-behavior") { Description = "What to do with intervals that have a run: none (leave it), failed (run failed ones again) or completed (run every finished one again)." };
        private readonly Option<int> _maxActiveRuns = CommonOptions.Positive("--max-active-runs", "How many of the backfill's runs may run at once.", 10);
        private readonly Option<bool> _backwards = new("--run-backwards", "-B") { Description = "Run the newest interval first." };
        private readonly Option<bool> _dryRun = new("--dry-run") { Description = "Print the logical dates the backfill would run, and create nothing." };

        public void AddTo(Command command)
        {
            command.Add(_reprocess);
            command.Add(_maxActiveRuns);
            command.Add(_backwards);
            command.Add(_dryRun);
        }

        public bool DryRun(ParseResult parse) => parse.GetValue(_dryRun);

        public (ReprocessBehavior? Behavior, int MaxActiveRuns, bool Backwards) Values(ParseResult parse)
        {
            ReprocessBehavior? behavior = null;
            if (parse.GetValue(_reprocess) is { } text)
            {
                behavior = ReprocessBehaviors.TryParse(text, out var parsed) ? parsed : throw new CliException($"Invalid reprocess behavior '{text}': expected none, failed or completed.");
            }

            return (behavior, CommonOptions.Positive(parse, _maxActiveRuns), parse.GetValue(_backwards));
        }
    }

    private static BackfillRequest Request(ParseResult parse, string dagId, string? from, string? to, string? conf, SharedOptions shared, bool rerunFailed)
    {
        var (behavior, maxActiveRuns, backwards) = shared.Values(parse);
        if (rerunFailed && behavior is { } chosen && chosen != ReprocessBehavior.Failed)
        {
            throw new CliException($"--rerun-failed-tasks asks for --reprocess-behavior failed, but {chosen.ToWireName()} was given: pass one of them.");
        }

        return new BackfillRequest(dagId, CliContext.ParseDate(from, "start date")!.Value, CliContext.ParseDate(to, "end date")!.Value)
        {
            DagRunConf = CliContext.ParseConf(conf),
            ReprocessBehavior = behavior ?? (rerunFailed ? ReprocessBehavior.Failed : ReprocessBehavior.None),
            MaxActiveRuns = maxActiveRuns,
            RunBackwards = backwards,
        };
    }

    private static async Task<int> RunAsync(CliContext ctx, BackfillRequest request, bool dryRun, bool follow, CancellationToken cancellationToken)
    {
        var record = await DagRunCommands.EnsureDagAsync(ctx, request.DagId, cancellationToken);
        var service = await ctx.ServiceAsync<BackfillService>(cancellationToken);
        var output = ctx.Environment.Out;
        if (dryRun)
        {
            var dates = await service.DryRunAsync(request, cancellationToken);
            output.WriteLine($"Dry run of a backfill of {request.DagId}: {dates.Count} run(s) would be created or run again:");
            foreach (var date in dates)
            {
                output.WriteLine($"  {Iso.Format(date)}");
            }

            return 0;
        }

        if (follow && ctx.Database.Dialect == SqlDialect.Sqlite && !SchedulerLock.IsHeld(Path.Combine(ctx.Config.Home, "scheduler.lock")))
        {
            throw new CliException("No scheduler is running on this database to run the backfill: start 'updraft scheduler' or 'updraft standalone' first (or pass --no-wait).");
        }

        if (follow && record.IsPaused)
        {
            throw new CliException($"DAG '{request.DagId}' is paused, and the scheduler starts no run of a paused DAG, backfill runs included: unpause it first ('updraft dags unpause {request.DagId}'), or pass --no-wait to create the backfill now.");
        }

        var (backfill, created, reprocessed, skipped) = await service.CreateAsync(request, Actor.Cli, cancellationToken);
        var left = skipped.Values.Sum();
        output.WriteLine(
            $"Backfill {backfill.Id} of {request.DagId}: {created} run(s) created, {reprocessed} existing run(s) to run again, {left} interval(s) left alone" +
            (left > 0 ? $" ({string.Join(", ", skipped.Select(s => $"{s.Value} {s.Key}"))})." : "."));
        if (record.IsPaused)
        {
            output.WriteLine($"DAG '{request.DagId}' is paused: its runs start once it is unpaused.");
        }

        if (!follow)
        {
            return 0;
        }

        var intervals = await service.RunsAsync(backfill.Id, cancellationToken);
        return await FollowAsync(ctx, service, backfill.Id, request.DagId, [.. intervals.Where(i => i.RunId is not null).Select(i => i.RunId!)], cancellationToken);
    }

    /// <summary>Prints progress until every run has finished and the scheduler has marked the backfill complete.</summary>
    private static async Task<int> FollowAsync(CliContext ctx, BackfillService service, long backfillId, string dagId, List<string> runIds, CancellationToken cancellationToken)
    {
        var runs = new DagRunStore(ctx.Database);
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

            if (done == wanted.Count && (await service.GetAsync(backfillId, cancellationToken)).CompletedAt is not null)
            {
                return failed == 0 ? 0 : 1;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), ctx.Environment.Time, cancellationToken);
        }
    }
}
