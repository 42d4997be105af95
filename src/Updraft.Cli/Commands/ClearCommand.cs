using System.CommandLine;
using System.Text.RegularExpressions;
using Updraft.Cli.Hosting;
using Updraft.Scheduling.Operations;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft tasks clear</c>: run task instances again.</summary>
internal static class ClearCommand
{
    public static Command Create(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var taskRegex = new Option<string?>("--task-regex", "-t") { Description = "Only tasks whose id matches this regular expression." };
        var start = new Option<string?>("--start-date", "-s") { Description = "Only runs with a logical date on or after this." };
        var end = new Option<string?>("--end-date", "-e") { Description = "Only runs with a logical date on or before this." };
        var runId = new Option<string?>("--run-id", "-r") { Description = "Only this run." };
        var downstream = new Option<bool>("--downstream", "-d") { Description = "Also clear the tasks downstream of the matched ones." };
        var upstream = new Option<bool>("--upstream", "-u") { Description = "Also clear the tasks upstream of the matched ones." };
        var onlyFailed = new Option<bool>("--only-failed", "-f") { Description = "Only failed and upstream_failed task instances." };
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var latest = new Option<bool>("--run-on-latest-version")
        {
            Description = "Move the runs to the DAG's latest version first: its code runs, tasks it no longer has become removed, new tasks are added.",
        };
        var command = new Command("clear", "Clear task instances so the scheduler runs them again (their runs reopen).")
        {
            dagId, taskRegex, start, end, runId, downstream, upstream, onlyFailed, yes, latest,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            Regex? pattern;
            try
            {
                pattern = parse.GetValue(taskRegex) is { } r ? new Regex(r, RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1)) : null;
            }
            catch (ArgumentException)
            {
                throw new CliException($"Invalid --task-regex '{parse.GetValue(taskRegex)}'.");
            }

            var dag = await DagRunCommands.EnsureDagAsync(ctx, parse.GetValue(dagId)!, cancellationToken);
            var request = new ClearRequest(dag.DagId)
            {
                TaskIdPattern = pattern,
                RunId = parse.GetValue(runId),
                StartDate = CliContext.ParseDate(parse.GetValue(start), "start date"),
                EndDate = CliContext.ParseDate(parse.GetValue(end), "end date"),
                IncludeDownstream = parse.GetValue(downstream),
                IncludeUpstream = parse.GetValue(upstream),
                OnlyFailed = parse.GetValue(onlyFailed),
                RunOnLatestVersion = parse.GetValue(latest),
            };
            var service = await ctx.ServiceAsync<TaskInstanceService>(cancellationToken);
            var plan = await service.ClearAsync(request with { DryRun = true }, Actor.Cli, cancellationToken);
            if (plan.Selected.Count == 0 && plan.Moved.Count == 0)
            {
                ctx.Environment.Out.WriteLine("No task instances to clear.");
                return 0;
            }

            if (!parse.GetValue(yes))
            {
                throw new CliException($"This clears {plan.Selected.Count} task instance(s) of DAG '{dag.DagId}' in {plan.Selected.Select(s => s.RunId).Distinct().Count()} run(s){(plan.Moved.Count > 0 ? $" and moves {plan.Moved.Count} run(s) to version {plan.ToVersion}" : "")}; pass -y to confirm.");
            }

            var result = await service.ClearAsync(request, Actor.Cli, cancellationToken);
            foreach (var move in result.Moved)
            {
                ctx.Environment.Out.WriteLine($"Run {move.RunId} moved from version {move.FromVersion} to {move.ToVersion}{(move.Removed.Count > 0 ? $"; removed: {string.Join(", ", move.Removed)}" : "")}.");
            }

            var left = result.Selected.Count - result.Cleared.Count;
            ctx.Environment.Out.WriteLine($"Cleared {result.Cleared.Count} task instance(s){(left > 0 ? $"; {left} queued or running left as they are" : "")}.");
            return 0;
        });
        return command;
    }
}
