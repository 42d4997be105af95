using System.CommandLine;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Scheduling.Operations;
using Updraft.Scheduling.Processing;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft dags trigger | pause | unpause | list-runs | state | delete</c>: DAGs and runs in the metadata database.</summary>
internal static class DagRunCommands
{
    private static readonly string[] RunColumns = ["dag_id", "run_id", "state", "run_type", "logical_date", "start_date", "end_date"];

    public static void AddTo(Command dags, Func<CliContext> context)
    {
        ArgumentNullException.ThrowIfNull(dags);
        dags.Add(Trigger(context));
        dags.Add(Pause(context, "pause", true));
        dags.Add(Pause(context, "unpause", false));
        dags.Add(ListRuns(context));
        dags.Add(State(context));
        dags.Add(Delete(context));
        dags.Add(BackfillCommand.Create(context));
        dags.Add(Reserialize(context));
    }

    /// <summary><c>dags reserialize</c>: parse the DAG folders once and record the result, as the DAG processor does.</summary>
    private static Command Reserialize(Func<CliContext> context)
    {
        var command = new Command("reserialize", "Parse the DAG files now and record their DAGs, versions and import errors in the metadata database.");
        command.SetAction(async (_, cancellationToken) =>
        {
            var ctx = context();
            var database = await ctx.ReadyDatabaseAsync(cancellationToken);
            var bag = await new DagProcessor(ctx.NewLoader(), ctx.DagFolders, database, ctx.TriggerKwargs, ctx.Environment.Time).RunOnceAsync(cancellationToken);
            ctx.Environment.Out.WriteLine($"Serialized {bag.Dags.Count} DAGs from {bag.Files.Count} files; {bag.ImportErrors.Count} import errors.");
            return 0;
        });
        return command;
    }

    /// <summary>The DAG's database record, loading the DAG files first if the DAG processor has not recorded it yet.</summary>
    internal static async Task<DagRecord> EnsureDagAsync(CliContext ctx, string dagId, CancellationToken cancellationToken)
    {
        var database = await ctx.ReadyDatabaseAsync(cancellationToken);
        var store = new DagStore(database);
        if (await store.GetAsync(dagId, cancellationToken) is { IsActive: true } dag)
        {
            return dag;
        }

        await new DagProcessor(ctx.NewLoader(), ctx.DagFolders, database, ctx.TriggerKwargs, ctx.Environment.Time).RunOnceAsync(cancellationToken);
        return await store.GetAsync(dagId, cancellationToken) is { IsActive: true } found
            ? found
            : throw new CliException($"DAG '{dagId}' not found.");
    }

    internal static Dictionary<string, object?> RunRow(DagRunRecord run) => DagsCommands.Row(
        ("dag_id", run.DagId),
        ("run_id", run.RunId),
        ("state", run.State.ToWireName()),
        // Airflow 3's name: the stored dataset_triggered (Airflow 2's) shows as asset_triggered, as in the REST API.
        ("run_type", run.RunType == "dataset_triggered" ? "asset_triggered" : run.RunType),
        ("logical_date", Iso.Format(Micros.To(run.LogicalDate))),
        ("start_date", run.StartDate is { } s ? Iso.Format(Micros.To(s)) : null),
        ("end_date", run.EndDate is { } e ? Iso.Format(Micros.To(e)) : null));

    private static Command Trigger(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var conf = CommonOptions.Conf();
        var runId = new Option<string?>("--run-id", "-r") { Description = "The run id (default: manual__<logical date>)." };
        var logicalDate = new Option<string?>("--logical-date", "-l") { Description = "The logical date (default: now)." };
        var output = CommonOptions.Output();
        var command = new Command("trigger", "Create a manual run of a DAG; the scheduler runs it.") { dagId, conf, runId, logicalDate, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var date = CliContext.ParseDate(parse.GetValue(logicalDate), "logical date");
            var runConf = CliContext.ParseConf(parse.GetValue(conf));
            var dag = await EnsureDagAsync(ctx, parse.GetValue(dagId)!, cancellationToken);
            var service = await ctx.ServiceAsync<DagRunService>(cancellationToken);
            var run = await service.TriggerAsync(new TriggerRequest(dag.DagId) { RunId = parse.GetValue(runId), LogicalDate = date, Conf = runConf }, Actor.Cli, cancellationToken);
            Rows.Write(ctx.Environment.Out, parse.GetValue(output), RunColumns, [RunRow(run)]);
            return 0;
        });
        return command;
    }

    private static Command Pause(Func<CliContext> context, string name, bool paused)
    {
        var dagId = CommonOptions.DagId();
        var command = new Command(name, paused ? "Pause a DAG: no new runs are scheduled." : "Unpause a DAG: runs are scheduled from its timetable.") { dagId };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var dag = await EnsureDagAsync(ctx, parse.GetValue(dagId)!, cancellationToken);
            await (await ctx.ServiceAsync<DagService>(cancellationToken)).SetPausedAsync(dag.DagId, paused, Actor.Cli, cancellationToken);
            ctx.Environment.Out.WriteLine($"Dag: {dag.DagId}, paused: {CliContext.Bool(paused)}");
            return 0;
        });
        return command;
    }

    private static Command ListRuns(Func<CliContext> context)
    {
        var dagArg = new Argument<string?>("dag_id") { Description = "Only this DAG's runs.", Arity = ArgumentArity.ZeroOrOne };
        var dagOption = new Option<string?>("--dag-id", "-d") { Description = "Only this DAG's runs (Airflow 2 spelling)." };
        var state = new Option<string?>("--state") { Description = "Only runs in this state: queued, running, success or failed." };
        var limit = CommonOptions.Positive("--limit", "At most this many runs.", 100);
        var output = CommonOptions.Output();
        var command = new Command("list-runs", "List DAG runs, newest first.") { dagArg, dagOption, state, limit, output };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var dagId = parse.GetValue(dagArg) ?? parse.GetValue(dagOption);
            DagRunState[]? states = null;
            if (parse.GetValue(state) is { } text)
            {
                states = Enum.TryParse<DagRunState>(text, ignoreCase: true, out var s)
                    ? [s]
                    : throw new CliException($"Invalid state '{text}': expected queued, running, success or failed.");
            }

            if (dagId is not null && await (await ctx.ServiceAsync<IDagStore>(cancellationToken)).GetAsync(dagId, cancellationToken) is null)
            {
                throw new CliException($"DAG '{dagId}' not found.");
            }

            var runs = await (await ctx.ServiceAsync<DagRunService>(cancellationToken)).ListAsync(
                new DagRunQuery { DagIds = dagId is null ? null : [dagId], States = states, Page = new() { Limit = CommonOptions.Positive(parse, limit) } },
                cancellationToken);
            Rows.Write(ctx.Environment.Out, parse.GetValue(output), RunColumns, runs.Items.Select(RunRow).ToList());
            return 0;
        });
        return command;
    }

    private static Command State(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var run = new Argument<string>("run_id_or_logical_date") { Description = "The run id, or the logical date of a run." };
        var command = new Command("state", "Print the state of a DAG run.") { dagId, run };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var found = await FindRunAsync(ctx, parse.GetValue(dagId)!, parse.GetValue(run)!, cancellationToken);
            ctx.Environment.Out.WriteLine(found.State.ToWireName());
            return 0;
        });
        return command;
    }

    private static Command Delete(Func<CliContext> context)
    {
        var dagId = CommonOptions.DagId();
        var yes = new Option<bool>("--yes", "-y") { Description = "Do not ask for confirmation." };
        var command = new Command("delete", "Delete a DAG's runs, task instances and history from the database (not its file).") { dagId, yes };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var id = parse.GetValue(dagId)!;
            if (!parse.GetValue(yes))
            {
                throw new CliException($"'dags delete' removes every run and task instance of '{id}'; pass -y to confirm.");
            }

            await (await ctx.ServiceAsync<DagService>(cancellationToken)).DeleteAsync(id, Actor.Cli, cancellationToken);
            ctx.Environment.Out.WriteLine($"Deleted DAG '{id}' and its runs.");
            return 0;
        });
        return command;
    }

    /// <summary>A run by id, or by logical date when the text is a date.</summary>
    internal static async Task<DagRunRecord> FindRunAsync(CliContext ctx, string dagId, string runIdOrDate, CancellationToken cancellationToken) =>
        await (await ctx.ServiceAsync<DagRunService>(cancellationToken)).FindAsync(dagId, runIdOrDate, cancellationToken);
}
