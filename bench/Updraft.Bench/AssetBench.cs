using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using Dapper;
using Microsoft.Extensions.Logging.Abstractions;
using Updraft.Cli.Hosting;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Hosting;
using Updraft.Scheduling.Processing;
using Updraft.Scheduling.Scheduling;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

/// <summary>
/// `assets` on SQLite or PostgreSQL: a running scheduler service (its real loop: a pass when an executor reports, or every
/// second) with its local executor; 20 asset events recorded one after another, each once the previous one's run has
/// ended. For each: time from the event to its asset-triggered run created, to the run's first task running, in two
/// set-ups — the event recorded by another process (`updraft assets event`: on PostgreSQL its NOTIFY wakes the
/// scheduler, on SQLite its write to the database's wake file) and posted to the API server of the same process
/// (standalone: the scheduler is woken at once).
/// </summary>
internal static class AssetBench
{
    private const int Events = 20;

    public static async Task<int> RunAsync(string[] args)
    {
        var dialect = args.Length > 0 ? args[0] : "sqlite";
        using var postgres = dialect == "postgres" ? new PostgresServer() : null;
        var home = Directory.CreateTempSubdirectory("updraft-bench-").FullName;
        try
        {
            var env = new Dictionary<string, string>
            {
                ["UPDRAFT_HOME"] = home,
                ["UPDRAFT__CORE__LOAD_EXAMPLES"] = "False",
                ["UPDRAFT__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "False",
            };
            if (postgres is not null)
            {
                env["UPDRAFT__DATABASE__CONNECTION"] = postgres.CreateDatabase();
            }

            var ctx = new CliContext(new CliEnvironment(env, TextWriter.Null, TextWriter.Null, TimeProvider.System));
            Directory.CreateDirectory(ctx.DagsFolder);
            File.WriteAllText(Path.Combine(ctx.DagsFolder, "consumer.cs"), """
                public sealed class Consumer : IDagSource
                {
                    public IEnumerable<Dag> Build()
                    {
                        var dag = new Dag("consumer", schedule: new Asset("orders", "s3://lake/orders"));
                        dag.Task("load", ctx => ctx.TriggeringAssetEvents.Count);
                        yield return dag;
                    }
                }
                """);
            var database = ctx.Database;
            await new Migrator(database, TimeProvider.System).MigrateAsync();
            var parserCommand = ctx.WorkerCommand("dag-file-processor") with { FileName = "dotnet", Arguments = [Path.Combine(AppContext.BaseDirectory, "updraft.dll"), "dag-file-processor"] };
            await using (var parser = ctx.NewChildProcessParser(parserCommand))
            {
                await new DagProcessor(parser, ctx.DagFolders, database, ctx.TriggerKwargs, TimeProvider.System).RunOnceAsync();
            }

            var execution = await ctx.ExecutionServiceAsync();
            var workerCommand = ctx.WorkerCommand("worker-process") with { FileName = "dotnet", Arguments = [Path.Combine(AppContext.BaseDirectory, "updraft.dll"), "worker-process"] };
            var executor = ctx.NewLocalExecutor(4, execution, workerCommand);
            executor.PrewarmOnStart = 2;
            var engine = new SchedulerEngine(database, executor, new SchedulerOptions { Parallelism = 4 }, TimeProvider.System, NullLogger<SchedulerEngine>.Instance);
            var service = new SchedulerService(engine, [executor], TimeProvider.System, NullLogger<SchedulerService>.Instance);
            await service.StartAsync(CancellationToken.None);
            await Task.Delay(TimeSpan.FromSeconds(3));

            var assets = new AssetStore(database);
            var orders = (await assets.GetByNameAsync("orders"))!;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"assets on {dialect}: one DAG scheduled on one asset, {Events} events one after another, a scheduler service with 4 worker slots"));
            foreach (var woken in new[] { false, true })
            {
                // One uncounted event first: the worker loads the DAG's code once.
                await OneAsync(database, ctx, assets, engine, orders.Id, woken);
                var created = new List<double>();
                var running = new List<double>();
                for (var i = 0; i < Events; i++)
                {
                    var (c, r) = await OneAsync(database, ctx, assets, engine, orders.Id, woken);
                    created.Add(c);
                    running.Add(r);
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {(woken ? "posted to the API server of the scheduler's process (standalone)" : "recorded by another process (updraft assets event)")}: " +
                    $"event → run created median {Median(created):0} ms (max {created.Max():0}); event → first task running median {Median(running):0} ms (max {running.Max():0})"));
            }

            await service.StopAsync(CancellationToken.None);
            await executor.DisposeAsync();
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(home, recursive: true);
        }

        return 0;
    }

    /// <summary>
    /// Records one event (in this process, waking the scheduler as the API server of a standalone process does, or by
    /// running `updraft assets event` in a process of its own), then waits for the run it starts to end; returns the
    /// lags from the event's time stamp to the run's creation and its task's start.
    /// </summary>
    private static async Task<(double Created, double Running)> OneAsync(MetadataDatabase database, CliContext ctx, AssetStore assets, SchedulerEngine engine, long assetId, bool woken)
    {
        long eventId;
        if (woken)
        {
            eventId = (await assets.RecordEventAsync(assetId, new JsonObject(), TimeProvider.System.GetUtcNow()))!.Id;
            engine.RequestPass();
        }
        else
        {
            eventId = await RecordInAnotherProcessAsync(ctx);
        }

        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (true)
        {
            await using (var connection = await database.OpenAsync())
            {
                var row = await connection.QuerySingleOrDefaultAsync<(long QueuedAt, string State, long? TaskStart, long Timestamp)>(
                    """
                    SELECT r.queued_at, r.state, ti.start_date, e.timestamp FROM dagrun_asset_event l JOIN dag_run r ON r.id = l.dag_run_id
                    JOIN asset_event e ON e.id = l.event_id
                    JOIN task_instance ti ON ti.dag_id = r.dag_id AND ti.run_id = r.run_id WHERE l.event_id = @eventId
                    """,
                    new { eventId });
                if (row.State is "success" or "failed")
                {
                    return ((row.QueuedAt - row.Timestamp) / 1000.0, ((row.TaskStart ?? 0) - row.Timestamp) / 1000.0);
                }
            }

            await Task.Delay(10, limit.Token);
        }
    }

    /// <summary>`updraft assets event --name orders` in a process of its own; returns the recorded event's id.</summary>
    private static async Task<long> RecordInAnotherProcessAsync(CliContext ctx)
    {
        var command = ctx.SelfCommand("assets");
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[] { Path.Combine(AppContext.BaseDirectory, "updraft.dll"), "assets", "event", "--name", "orders" })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in command.Environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        var match = System.Text.RegularExpressions.Regex.Match(output, @"Recorded event (\d+) ");
        return process.ExitCode == 0 && match.Success
            ? long.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture)
            : throw new InvalidOperationException($"updraft assets event failed ({process.ExitCode}): {output}{error}");
    }

    private static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
}
