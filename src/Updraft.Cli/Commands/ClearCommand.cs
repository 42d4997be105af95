using System.CommandLine;
using System.Text.RegularExpressions;
using Updraft.Core.States;
using Updraft.Cli.Hosting;
using Updraft.Core.Serialization;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

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

            var from = CliContext.ParseDate(parse.GetValue(start), "start date");
            var to = CliContext.ParseDate(parse.GetValue(end), "end date");
            var dag = await DagRunCommands.EnsureDagAsync(ctx, parse.GetValue(dagId)!, cancellationToken);
            var database = ctx.Database;
            var runs = (await new DagRunStore(database).ListAsync(dag.DagId, null, int.MaxValue, cancellationToken))
                .Where(run => (parse.GetValue(runId) is not { } id || run.RunId == id)
                    && (from is not { } f || run.LogicalDate >= Micros.From(f))
                    && (to is not { } t || run.LogicalDate <= Micros.From(t)))
                .ToList();
            var tasks = new TaskInstanceStore(database);
            var dags = new DagStore(database);
            var selected = new List<(TaskInstanceKey Key, int Retries)>();
            var newest = parse.GetValue(latest) ? await dags.GetSerializedAsync(dag.DagId, null, cancellationToken) : null;
            var moving = new List<DagRunRecord>();
            foreach (var run in runs)
            {
                if (newest is { } n && n.Version != run.DagVersion)
                {
                    moving.Add(run);
                }

                var (serialized, _) = newest ?? await dags.GetSerializedAsync(dag.DagId, run.DagVersion, cancellationToken) ?? throw new CliException($"DAG '{dag.DagId}' has no version {run.DagVersion}.");
                var wanted = Expand(serialized, serialized.Tasks.Where(t => pattern is null || pattern.IsMatch(t.TaskId)).Select(t => t.TaskId), parse.GetValue(downstream), parse.GetValue(upstream));
                foreach (var ti in await tasks.ListForRunAsync(run.DagId, run.RunId, cancellationToken))
                {
                    if (wanted.Contains(ti.TaskId) && ti.State != TaskInstanceState.Removed && (!parse.GetValue(onlyFailed) || ti.State is TaskInstanceState.Failed or TaskInstanceState.UpstreamFailed))
                    {
                        selected.Add((ti.Key, serialized.GetTask(ti.TaskId).Retries));
                    }
                }
            }

            if (selected.Count == 0 && moving.Count == 0)
            {
                ctx.Environment.Out.WriteLine("No task instances to clear.");
                return 0;
            }

            if (!parse.GetValue(yes))
            {
                throw new CliException($"This clears {selected.Count} task instance(s) of DAG '{dag.DagId}' in {selected.Select(s => s.Key.RunId).Distinct().Count()} run(s){(moving.Count > 0 ? $" and moves {moving.Count} run(s) to version {newest!.Value.Version}" : "")}; pass -y to confirm.");
            }

            foreach (var run in moving)
            {
                var removed = await new DagRunStore(database).MoveToVersionAsync(run, newest!.Value.Dag, newest.Value.Version, cancellationToken);
                ctx.Environment.Out.WriteLine($"Run {run.RunId} moved from version {run.DagVersion} to {newest.Value.Version}{(removed.Count > 0 ? $"; removed: {string.Join(", ", removed)}" : "")}.");
            }

            var cleared = await tasks.ClearAsync(selected, cancellationToken);
            await EventLog.WriteAsync(ctx, "clear", dag.DagId, null, null, $"{cleared.Count} task instance(s)", cancellationToken);
            ctx.Environment.Out.WriteLine($"Cleared {cleared.Count} task instance(s){(cleared.Count < selected.Count ? $"; {selected.Count - cleared.Count} queued or running left as they are" : "")}.");
            return 0;
        });
        return command;
    }

    /// <summary>The tasks plus, on request, everything downstream and/or upstream of them.</summary>
    private static HashSet<string> Expand(SerializedDag dag, IEnumerable<string> roots, bool downstream, bool upstream)
    {
        var result = new HashSet<string>(roots, StringComparer.Ordinal);
        var pending = new Stack<string>(result);
        while (pending.TryPop(out var id))
        {
            var task = dag.GetTask(id);
            var next = (downstream ? task.DownstreamTaskIds : []).Concat(upstream ? task.UpstreamTaskIds : []);
            foreach (var n in next.Where(result.Add))
            {
                pending.Push(n);
            }
        }

        return result;
    }
}
