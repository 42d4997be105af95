using System.CommandLine;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Core.States;
using Updraft.Core.Runtime;
using Updraft.Execution.Testing;
using Updraft.Core.TriggerRules;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft tasks list | test</c>.</summary>
internal static class TasksCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var tasks = new Command("tasks", "Inspect and test tasks.");
        tasks.Add(List(context));
        tasks.Add(Test(context));
        tasks.Add(StatesForDagRun(context));
        tasks.Add(State(context));
        tasks.Add(ClearCommand.Create(context));
        tasks.Add(Render(context));
        tasks.Add(Run(context));
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
        var arguments = TaskAtDate.Create();
        var command = new Command("test", "Run one task on its own, ignoring its dependencies, and print its log. Exits 1 if it fails.");
        arguments.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var (dag, id, logicalDate, runConf) = arguments.Resolve(ctx, parse);
            var tester = await ctx.NewDagTesterAsync(cancellationToken: cancellationToken);
            var result = await tester.RunTaskAsync(dag.Dag, id, logicalDate, runConf, cancellationToken);
            ctx.Environment.Out.WriteLine($"Task {id}: {result.State.ToWireName()}");
            return result.State == TaskInstanceState.Failed ? 1 : 0;
        });
        return command;
    }

    private static Command StatesForDagRun(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var run = new Argument<string>("run_id_or_logical_date") { Description = "The run id, or the logical date of a run." };
        var output = CommonOptions.Output();
        var command = new Command("states-for-dag-run", "List the task instances of a DAG run with their states.") { dagId, run, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var found = await DagRunCommands.FindRunAsync(ctx, parse.GetValue(dagId)!, parse.GetValue(run)!, cancellationToken);
            var tis = await new TaskInstanceStore(ctx.Database).ListForRunAsync(found.DagId, found.RunId, cancellationToken);
            var rows = tis.Select(t => DagsCommands.Row(
                ("dag_id", t.DagId),
                ("run_id", t.RunId),
                ("task_id", t.TaskId),
                ("state", t.State.ToWireName()),
                ("try_number", CliContext.Int(t.TryNumber)),
                ("start_date", t.StartDate is { } s ? Iso.Format(Micros.To(s)) : null),
                ("end_date", t.EndDate is { } e ? Iso.Format(Micros.To(e)) : null))).ToList();
            Rows.Write(ctx.Environment.Out, parse.GetValue(output), ["dag_id", "run_id", "task_id", "state", "try_number", "start_date", "end_date"], rows);
            return 0;
        });
        return command;
    }

    private static Command State(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var taskId = new Argument<string>("task_id") { Description = "The id of the task." };
        var run = new Argument<string>("run_id_or_logical_date") { Description = "The run id, or the logical date of a run." };
        var command = new Command("state", "Print the state of a task instance.") { dagId, taskId, run };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var found = await DagRunCommands.FindRunAsync(ctx, parse.GetValue(dagId)!, parse.GetValue(run)!, cancellationToken);
            var ti = await new TaskInstanceStore(ctx.Database).GetAsync(new TaskInstanceKey(found.DagId, found.RunId, parse.GetValue(taskId)!), cancellationToken)
                ?? throw new CliException($"Task '{parse.GetValue(taskId)}' not found in run '{found.RunId}' of DAG '{found.DagId}'.");
            ctx.Environment.Out.WriteLine(ti.State.ToWireName());
            return 0;
        });
        return command;
    }

    private static Command Render(Func<CliContext> context)
    {
        var arguments = TaskAtDate.Create();
        var command = new Command("render", "Print a task's templated fields rendered for a logical date (secrets read are masked).");
        arguments.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var (dag, id, logicalDate, runConf) = arguments.Resolve(ctx, parse);
            var masker = new SecretMasker();
            var layered = await ctx.TaskSecretsAsync(cancellationToken);
            var secrets = new MaskingSecretStores(layered, layered, masker);
            var tester = new DagTester(new DagTestOptions { Defaults = ctx.Defaults, TimeProvider = ctx.Environment.Time, Variables = secrets, Connections = secrets });
            var fields = await tester.RenderAsync(dag.Dag, id, logicalDate, runConf, cancellationToken);
            if (fields.Count == 0)
            {
                ctx.Environment.Out.WriteLine($"Task '{id}' has no templated fields.");
            }

            foreach (var (name, value) in fields)
            {
                ctx.Environment.Out.WriteLine($"# ----------------------------------------------------------\n# property: {name}\n# ----------------------------------------------------------\n{masker.Mask(value)}\n");
            }

            return 0;
        });
        return command;
    }

    private static Command Run(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var taskId = new Argument<string>("task_id") { Description = "The id of the task." };
        var run = new Argument<string>("run_id_or_logical_date") { Description = "The run id, or the logical date of a run." };
        var force = new Option<bool>("--force") { Description = "Run it even if it is not queued (as a new try), whatever its state and dependencies." };
        var command = new Command("run", "Run one queued task instance in this process, recording its state and log (what per-task executors run).") { dagId, taskId, run, force };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var found = await DagRunCommands.FindRunAsync(ctx, parse.GetValue(dagId)!, parse.GetValue(run)!, cancellationToken);
            var key = new TaskInstanceKey(found.DagId, found.RunId, parse.GetValue(taskId)!);
            var tasks = new TaskInstanceStore(ctx.Database);
            var ti = await tasks.GetAsync(key, cancellationToken) ?? throw new CliException($"Task '{key.TaskId}' not found in run '{found.RunId}' of DAG '{found.DagId}'.");
            if (ti.State != TaskInstanceState.Queued)
            {
                ti = parse.GetValue(force)
                    ? await tasks.ForceQueueAsync(key, ctx.Environment.Time.GetUtcNow(), cancellationToken) ?? throw new CliException($"Task instance {key} is running; it cannot be run again now.")
                    : throw new CliException($"Task instance {key} is {ti.State.ToWireName()}, not queued; pass --force to run it anyway.");
            }

            // The try runs in this process, through the same execution API as a worker's, served in-process.
            var service = await ctx.ExecutionServiceAsync(cancellationToken);
            var runner = new Updraft.Scheduling.Workers.TaskInstanceRunner(
                service, ctx.NewLoader(), ctx.LogFolder, ctx.Environment.Time, TimeSpan.FromSeconds(ctx.Config.GetDouble("scheduler", "job_heartbeat_sec")), ctx.DagCodeCacheFolder);
            var token = service.Tokens.Issue(new Updraft.Execution.Api.TryIdentity(key.DagId, key.RunId, key.TaskId, key.MapIndex, ti.TryNumber));
            var reply = await runner.RunAsync(new Updraft.Scheduling.Workers.WorkerRequest(key.DagId, key.RunId, key.TaskId, key.MapIndex, ti.TryNumber, token), cancellationToken);
            var outcome = reply.State is { } state ? state.ToWireName() : $"not recorded ({reply.Error})";
            ctx.Environment.Out.WriteLine($"Task {key} try {ti.TryNumber}: {outcome} (log: {Updraft.Scheduling.Logging.TaskLogPaths.For(ctx.LogFolder, key, ti.TryNumber)})");
            return reply.State is TaskInstanceState.Success or TaskInstanceState.Skipped ? 0 : 1;
        });
        return command;
    }

    /// <summary>The arguments of commands about one task at a logical date: DAG, task, date and conf.</summary>
    private sealed record TaskAtDate(Argument<string> DagId, Argument<string> TaskId, Argument<string?> Date, Option<string?> Conf)
    {
        public static TaskAtDate Create() => new(
            CommonOptions.DagId(),
            new Argument<string>("task_id") { Description = "The id of the task." },
            new Argument<string?>("logical_date") { Description = "The logical date (default: now).", Arity = ArgumentArity.ZeroOrOne },
            CommonOptions.Conf());

        public void AddTo(Command command)
        {
            command.Add(DagId);
            command.Add(TaskId);
            command.Add(Date);
            command.Add(Conf);
        }

        public (Updraft.Dags.Loading.LoadedDag Dag, string TaskId, DateTimeOffset? Date, System.Text.Json.Nodes.JsonObject? Conf) Resolve(CliContext ctx, ParseResult parse)
        {
            var logicalDate = CliContext.ParseDate(parse.GetValue(Date), "logical date");
            var conf = CliContext.ParseConf(parse.GetValue(Conf));
            var dag = ctx.GetDag(parse.GetValue(DagId)!);
            var id = parse.GetValue(TaskId)!;
            return dag.Dag.TryGetTask(id, out _) ? (dag, id, logicalDate, conf) : throw new CliException($"Task '{id}' not found in DAG '{dag.Dag.DagId}'.");
        }
    }
}
