using System.CommandLine;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Core.States;
using Updraft.Core.TriggerRules;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft tasks list | test</c>.</summary>
internal static class TasksCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var tasks = new Command("tasks", "Inspect and test tasks.");
        tasks.Add(List(context));
        tasks.Add(Test(context));
        return tasks;
    }

    private static Command List(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var output = CommonOptions.Output();
        var command = new Command("list", "List a DAG's tasks in dependency order.") { dagId, output };
        command.SetAction(parse =>
        {
            var ctx = context();
            var dag = ctx.GetDag(parse.GetValue(dagId)!).Serialized;
            var rows = dag.Tasks.Select(t => DagsCommands.Row(
                ("task_id", t.TaskId),
                ("operator", t.Operator),
                ("upstream_task_ids", string.Join(", ", t.UpstreamTaskIds)),
                ("trigger_rule", t.TriggerRule.ToWireName()),
                ("retries", CliContext.Int(t.Retries)))).ToList();
            Rows.Write(ctx.Environment.Out, parse.GetValue(output), ["task_id", "operator", "upstream_task_ids", "trigger_rule", "retries"], rows);
            return 0;
        });
        return command;
    }

    private static Command Test(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var taskId = new Argument<string>("task_id") { Description = "The id of the task." };
        var date = new Argument<string?>("logical_date") { Description = "The logical date (default: now).", Arity = ArgumentArity.ZeroOrOne };
        var conf = CommonOptions.Conf();
        var command = new Command("test", "Run one task on its own, ignoring its dependencies, and print its log. Exits 1 if it fails.")
        {
            dagId, taskId, date, conf,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var logicalDate = CliContext.ParseDate(parse.GetValue(date), "logical date");
            var runConf = CliContext.ParseConf(parse.GetValue(conf));
            var dag = ctx.GetDag(parse.GetValue(dagId)!);
            var id = parse.GetValue(taskId)!;
            if (!dag.Dag.TryGetTask(id, out _))
            {
                throw new CliException($"Task '{id}' not found in DAG '{dag.Dag.DagId}'.");
            }

            var tester = ctx.NewDagTester();
            var result = await tester.RunTaskAsync(dag.Dag, id, logicalDate, runConf, cancellationToken);
            ctx.Environment.Out.WriteLine($"Task {id}: {result.State.ToWireName()}");
            return result.State == TaskInstanceState.Failed ? 1 : 0;
        });
        return command;
    }
}
