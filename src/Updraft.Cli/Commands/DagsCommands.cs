using System.CommandLine;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft dags …</c>: list, list-import-errors, show, next-execution, details, test.</summary>
internal static class DagsCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var dags = new Command("dags", "Manage and inspect DAGs.");
        dags.Add(List(context));
        dags.Add(ListImportErrors(context));
        dags.Add(Show(context));
        dags.Add(NextExecution(context));
        dags.Add(Details(context));
        dags.Add(DagTestCommand.Create(context));
        DagRunCommands.AddTo(dags, context);
        return dags;
    }

    private static Command List(Func<CliContext> context)
    {
        var output = CommonOptions.Output();
        var command = new Command("list", "List the DAGs found in the DAGs folder (and the examples).") { output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var paused = await PausedStatesAsync(ctx, cancellationToken);
            var rows = ctx.Bag.Dags.Values.OrderBy(d => d.Dag.DagId, StringComparer.Ordinal).Select(d => Row(
                ("dag_id", d.Serialized.DagId),
                ("fileloc", d.Serialized.Fileloc),
                ("owners", string.Join(", ", d.Serialized.Owners)),
                ("is_paused", CliContext.Bool(paused.TryGetValue(d.Serialized.DagId, out var p) ? p : d.Serialized.IsPausedUponCreation)),
                ("schedule", Schedule(d.Serialized)),
                ("tags", string.Join(", ", d.Serialized.Tags)))).ToList();
            Rows.Write(ctx.Environment.Out, parse.GetValue(output), ["dag_id", "fileloc", "owners", "is_paused", "schedule", "tags"], rows);
            if (ctx.Bag.ImportErrors.Count > 0)
            {
                ctx.Environment.Error.WriteLine($"{ctx.Bag.ImportErrors.Count} file(s) failed to import; see 'updraft dags list-import-errors'.");
            }

            return 0;
        });
        return command;
    }

    private static Command ListImportErrors(Func<CliContext> context)
    {
        var output = CommonOptions.Output();
        var command = new Command("list-import-errors", "List the DAG files that failed to load, with file, line and error.") { output };
        command.SetAction(parse =>
        {
            var ctx = context();
            var rows = ctx.Bag.ImportErrors.Select(e => Row(
                ("filepath", e.Filename),
                ("line", CliContext.Int(e.Line)),
                ("error", e.Message))).ToList();
            Rows.Write(ctx.Environment.Out, parse.GetValue(output), ["filepath", "line", "error"], rows);
            return rows.Count == 0 ? 0 : 1;
        });
        return command;
    }

    private static Command Show(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var format = new Option<string>("--format")
        {
            Description = "dot (Graphviz, the default) or tree (indented text).",
            DefaultValueFactory = _ => "dot",
        };
        format.AcceptOnlyFromAmong("dot", "tree");
        var command = new Command("show", "Show a DAG's tasks and dependencies as Graphviz dot or a text tree.") { dagId, format };
        command.SetAction(parse =>
        {
            var ctx = context();
            var dag = ctx.GetDag(parse.GetValue(dagId)!).Serialized;
            ctx.Environment.Out.Write(parse.GetValue(format) == "tree" ? DagRendering.Tree(dag) : DagRendering.Dot(dag));
            return 0;
        });
        return command;
    }

    private static Command NextExecution(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var count = CommonOptions.Positive("--num-executions", "How many to show.", 1, "-n");
        var output = CommonOptions.Output();
        var command = new Command("next-execution", "Print the next logical dates and data intervals of a DAG's scheduled runs.") { dagId, count, output };
        command.SetAction(parse =>
        {
            var ctx = context();
            var n = CommonOptions.Positive(parse, count);

            var dag = ctx.GetDag(parse.GetValue(dagId)!).Serialized;
            var timetable = dag.Timetable.ToTimetable();
            if (!timetable.CanBeScheduled)
            {
                ctx.Environment.Error.WriteLine($"DAG '{dag.DagId}' has no schedule: it only runs when triggered.");
                return 0;
            }

            var rows = NextRuns(timetable, dag.Restriction, ctx.Environment.Time.GetUtcNow(), n).Select(info => Row(
                ("logical_date", Iso.Format(info.LogicalDate)),
                ("data_interval_start", Iso.Format(info.DataInterval.Start)),
                ("data_interval_end", Iso.Format(info.DataInterval.End)),
                ("run_after", Iso.Format(info.RunAfter)))).ToList();
            if (rows.Count == 0)
            {
                ctx.Environment.Error.WriteLine($"DAG '{dag.DagId}' has no more scheduled runs (its end date has passed or it ran @once).");
                return 0;
            }

            Rows.Write(ctx.Environment.Out, parse.GetValue(output), ["logical_date", "data_interval_start", "data_interval_end", "run_after"], rows);
            return 0;
        });
        return command;
    }

    private static Command Details(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var command = new Command("details", "Print a DAG's serialized form (JSON): its settings and tasks with every default applied.") { dagId };
        command.SetAction(parse =>
        {
            var ctx = context();
            ctx.Environment.Out.WriteLine(DagSerializer.ToJson(ctx.GetDag(parse.GetValue(dagId)!).Serialized));
            return 0;
        });
        return command;
    }

    /// <summary>Pause states recorded in the metadata database; none when it is not reachable or not set up yet.</summary>
    private static async Task<Dictionary<string, bool>> PausedStatesAsync(CliContext ctx, CancellationToken cancellationToken)
    {
        try
        {
            var database = await ctx.ReadyDatabaseAsync(cancellationToken);
            return (await new DagStore(database).ListAsync(activeOnly: false, cancellationToken)).ToDictionary(d => d.DagId, d => d.IsPaused, StringComparer.Ordinal);
        }
        catch (DatabaseException)
        {
            // Listing DAG files works without a database; pause states then show each DAG's starting value.
            return [];
        }
    }

    /// <summary>The next automatic runs of a DAG that has none yet, as the scheduler would create them.</summary>
    internal static IEnumerable<DagRunInfo> NextRuns(Timetable timetable, TimeRestriction restriction, DateTimeOffset now, int count)
    {
        DataInterval? last = null;
        for (var i = 0; i < count; i++)
        {
            var info = timetable.NextDagRunInfo(last, restriction, now);
            if (info is null)
            {
                yield break;
            }

            yield return info;
            last = info.DataInterval;
        }
    }

    /// <summary>What a DAG waits for: its time schedule, its asset condition (<c>assets (orders &amp; customers)</c>), or both.</summary>
    private static string Schedule(Core.Serialization.SerializedDag dag) => dag.AssetExpression is not { } expression
        ? dag.ScheduleInterval ?? "None"
        : (dag.ScheduleInterval is { } time ? $"{time} or " : "") + "assets " + Core.Assets.AssetCondition.FromExpression(expression);

    internal static Dictionary<string, object?> Row(params (string Key, object? Value)[] cells) =>
        cells.ToDictionary(c => c.Key, c => c.Value, StringComparer.Ordinal);
}
