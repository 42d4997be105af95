using System.CommandLine;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Core.States;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft dags test DAG_ID [LOGICAL_DATE] [-c CONF]</c>: one whole DAG run in this process, no database.</summary>
internal static class DagTestCommand
{
    public static Command Create(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var date = new Argument<string?>("logical_date") { Description = "The run's logical date (default: now).", Arity = ArgumentArity.ZeroOrOne };
        var conf = CommonOptions.Conf();
        var honorRetryDelay = new Option<bool>("--honor-retry-delay") { Description = "Wait out retry delays instead of retrying at once." };
        var command = new Command("test", "Run one DAG run in this process, printing task logs and final states. Exits 1 if the run fails.")
        {
            dagId, date, conf, honorRetryDelay,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var logicalDate = CliContext.ParseDate(parse.GetValue(date), "logical date");
            var runConf = CliContext.ParseConf(parse.GetValue(conf));
            var dag = ctx.GetDag(parse.GetValue(dagId)!);
            var tester = await ctx.NewDagTesterAsync(parse.GetValue(honorRetryDelay), cancellationToken);
            var result = await tester.RunAsync(dag.Dag, logicalDate, runConf, cancellationToken);
            ctx.Environment.Out.WriteLine();
            var rows = dag.Serialized.Tasks.Select(t => DagsCommands.Row(
                ("task_id", t.TaskId),
                ("state", result.TaskStates[t.TaskId].ToWireName()),
                ("tries", CliContext.Int(result.Tries[t.TaskId])),
                ("mapped", result.MappedSummary(t.TaskId)))).ToList();
            Rows.Write(ctx.Environment.Out, OutputFormat.Table, ["task_id", "state", "tries", "mapped"], rows);
            ctx.Environment.Out.WriteLine($"DAG run {result.RunId}: {result.State.ToWireName()}");
            return result.State == DagRunState.Success ? 0 : 1;
        });
        return command;
    }
}
