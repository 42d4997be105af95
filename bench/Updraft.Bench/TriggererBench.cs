using System.Diagnostics;
using System.Globalization;
using Dapper;
using Updraft.Cli.Hosting;
using Updraft.Core.States;
using Updraft.Core.Triggers;
using Updraft.Scheduling.Processing;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

/// <summary>
/// `triggerer N sqlite|postgres [spread-seconds]`: N task instances deferred on date-time triggers whose moments are
/// spread over the given seconds (default 10), held by one real `updraft triggerer` process, with one real `updraft
/// scheduler` process (its local executor's worker processes) resuming them. Reports the triggerer's resident memory
/// idle and holding the N triggers, and for each task instance how long after its trigger's moment it left `deferred`
/// (the triggerer's part: seen by polling the database every 20 ms) and its resumed method ran on a worker (the
/// worker's clock, which the method returns as its XCom).
/// </summary>
internal static class TriggererBench
{
    public static async Task<int> RunAsync(string[] args)
    {
        var count = int.Parse(args[0], CultureInfo.InvariantCulture);
        var dialect = args.Length > 1 ? args[1] : "sqlite";
        var spread = TimeSpan.FromSeconds(args.Length > 2 ? double.Parse(args[2], CultureInfo.InvariantCulture) : 10);
        using var postgres = dialect == "postgres" ? new PostgresServer() : null;
        var home = Directory.CreateTempSubdirectory("updraft-bench-").FullName;
        Process? triggerer = null;
        Process? scheduler = null;
        try
        {
            var env = new Dictionary<string, string>
            {
                ["UPDRAFT_HOME"] = home,
                ["UPDRAFT__CORE__LOAD_EXAMPLES"] = "False",
                ["UPDRAFT__CORE__MAX_MAP_LENGTH"] = count.ToString(CultureInfo.InvariantCulture),
                ["UPDRAFT__TRIGGERER__CAPACITY"] = count.ToString(CultureInfo.InvariantCulture),
                ["UPDRAFT__LOGGING__LOGGING_LEVEL"] = "WARNING",
                ["UPDRAFT__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "False",
                ["UPDRAFT__CORE__PARALLELISM"] = "16",
            };
            if (postgres is not null)
            {
                env["UPDRAFT__DATABASE__CONNECTION"] = postgres.CreateDatabase();
            }

            var ctx = new CliContext(new CliEnvironment(env, TextWriter.Null, TextWriter.Null, TimeProvider.System));
            Directory.CreateDirectory(ctx.DagsFolder);
            File.WriteAllText(Path.Combine(ctx.DagsFolder, "waiting.cs"), """
                public sealed class Waiting : IDagSource
                {
                    public IEnumerable<Dag> Build()
                    {
                        var dag = new Dag("waiting");
                        var items = dag.Task("items", ctx => new int[0]);
                        dag.Map("wait", items, (TaskContext ctx, int i) => { if (ctx.TriggerEvent is null) { ctx.Defer(DateTimeTrigger.After(TimeSpan.FromSeconds(1), ctx.Clock)); } return ctx.Clock.GetUtcNow().ToUnixTimeMilliseconds(); });
                        yield return dag;

                        // Run once before the moments so that every worker process is up and has loaded this file.
                        var warm = new Dag("warm");
                        var slots = warm.Task("slots", ctx => Enumerable.Range(0, 16).ToArray());
                        warm.Map("load", slots, (TaskContext ctx, int i) => { Task.Delay(2000).Wait(); return i; });
                        yield return warm;
                    }
                }
                """);
            var database = ctx.Database;
            await new Migrator(database, TimeProvider.System).MigrateAsync();
            await using (var parser = ctx.NewChildProcessParser(ctx.WorkerCommand("dag-file-processor") with { FileName = "dotnet", Arguments = [Path.Combine(AppContext.BaseDirectory, "updraft.dll"), "dag-file-processor"] }))
            {
                await new DagProcessor(parser, ctx.DagFolders, database, ctx.TriggerKwargs, TimeProvider.System).RunOnceAsync();
            }

            // The N instances of the mapped task, running in try 1, as the scheduler and workers would leave them (their
            // upstream done).
            var run = await Updraft.Scheduling.Operations.DagRunService.CreateManualRunAsync(new DagStore(database), new DagRunStore(database), new("waiting") { RunId = "bench" }, TimeProvider.System.GetUtcNow());
            var tasks = new TaskInstanceStore(database);
            await tasks.ExpandAsync("waiting", run.RunId, "wait", count, TaskInstanceState.Skipped, TimeProvider.System.GetUtcNow());
            await using (var connection = await database.OpenAsync())
            {
                await connection.ExecuteAsync("UPDATE task_instance SET state = 'running', try_number = 1 WHERE task_id = 'wait'");
                await connection.ExecuteAsync("UPDATE task_instance SET state = 'success', try_number = 1 WHERE task_id = 'items'");
                await connection.ExecuteAsync(
                    "INSERT INTO xcom (dag_id, run_id, task_id, map_index, \"key\", value, timestamp) VALUES ('waiting', @RunId, 'items', -1, 'return_value', @Value, 0)",
                    new { run.RunId, Value = "[" + string.Join(",", Enumerable.Range(0, count)) + "]" });
            }

            triggerer = Start(ctx, "triggerer");
            await Task.Delay(TimeSpan.FromSeconds(5));
            var idle = ResidentMegabytes(triggerer.Id);

            // Deferred through the same store call the execution API makes; the moments spread from 30 s on (plus time
            // to defer and claim them all).
            var setup = Stopwatch.StartNew();
            var triggers = new TriggerStore(database);
            var start = TimeProvider.System.GetUtcNow() + TimeSpan.FromSeconds(30) + TimeSpan.FromSeconds(count / 200.0);
            var moments = new Dictionary<int, DateTimeOffset>();
            for (var i = 0; i < count; i++)
            {
                var moment = start + (spread * i / count);
                moments[i] = moment;
                var trigger = new DateTimeTrigger(moment);
                await triggers.DeferAsync(
                    new TaskInstanceKey("waiting", run.RunId, "wait", i),
                    1,
                    new TriggerDeferral(trigger.TypeName, trigger.Serialize().ToJsonString(), "execute", null, null),
                    ctx.TriggerKwargs,
                    TimeProvider.System.GetUtcNow());
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"triggerer on {dialect}: {count} deferred task instances (deferred in {setup.Elapsed.TotalSeconds:0.0} s, not counted), moments over {spread.TotalSeconds:0} s"));
            var claimed = Stopwatch.StartNew();
            while ((await triggers.CountAsync()).Unclaimed > 0)
            {
                await Task.Delay(100);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  all claimed {claimed.Elapsed.TotalSeconds:0.0} s after the last deferral"));
            await Task.Delay(TimeSpan.FromSeconds(2));
            var holding = ResidentMegabytes(triggerer.Id);

            // The scheduler that queues resumed instances on its workers; it must be up before the first moment.
            scheduler = Start(ctx, "scheduler");
            var warm = await Updraft.Scheduling.Operations.DagRunService.CreateManualRunAsync(new DagStore(database), new DagRunStore(database), new("warm") { RunId = "warm" }, TimeProvider.System.GetUtcNow());
            while ((await new DagRunStore(database).GetAsync("warm", warm.RunId))!.State != DagRunState.Success)
            {
                await Task.Delay(200);
            }

            var lead = start - TimeProvider.System.GetUtcNow();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  scheduler up {lead.TotalSeconds:0.0} s before the first moment"));
            if (lead < TimeSpan.Zero)
            {
                throw new InvalidOperationException("The set-up took longer than the lead given to it: the first triggers fired before the scheduler was up.");
            }

            // Poll for resumed instances (no longer deferred) until all are back; each one's lag is first seen minus its moment.
            var seen = new Dictionary<int, TimeSpan>();
            var peak = holding;
            using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            while (seen.Count < count && !limit.IsCancellationRequested)
            {
                await using (var connection = await database.OpenAsync())
                {
                    var now = TimeProvider.System.GetUtcNow();
                    foreach (var index in await connection.QueryAsync<int>("SELECT map_index FROM task_instance WHERE task_id = 'wait' AND state <> 'deferred'"))
                    {
                        seen.TryAdd(index, now - moments[index]);
                    }
                }

                peak = Math.Max(peak, ResidentMegabytes(triggerer.Id));
                await Task.Delay(20);
            }

            var lags = seen.Values.Select(l => l.TotalMilliseconds).Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  memory (resident, triggerer process): {idle:0} MB idle, {holding:0} MB holding {count} triggers (+{holding - idle:0} MB), peak {peak:0} MB while firing"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  resumed {seen.Count}/{count}; lag from trigger moment to out of deferred: median {Percentile(lags, 0.5):0} ms, p99 {Percentile(lags, 0.99):0} ms, max {lags.LastOrDefault():0} ms"));

            // Until every resumed method has run on a worker (its XCom is the worker's clock then).
            var ran = new Dictionary<int, double>();
            while (ran.Count < count && !limit.IsCancellationRequested)
            {
                await using (var connection = await database.OpenAsync())
                {
                    foreach (var (index, value) in await connection.QueryAsync<(int, string)>("SELECT map_index, value FROM xcom WHERE task_id = 'wait' AND \"key\" = 'return_value'"))
                    {
                        ran.TryAdd(index, long.Parse(value, CultureInfo.InvariantCulture) - moments[index].ToUnixTimeMilliseconds());
                    }
                }

                await Task.Delay(200);
            }

            var running = ran.Values.Order().ToList();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  ran on a worker {ran.Count}/{count}; lag from trigger moment to the resumed method running: median {Percentile(running, 0.5):0} ms, p99 {Percentile(running, 0.99):0} ms, max {running.LastOrDefault():0} ms; within 1 s: {running.Count(l => l <= 1000)}"));
            return seen.Count == count && ran.Count == count ? 0 : 1;
        }
        finally
        {
            foreach (var process in new[] { scheduler, triggerer })
            {
                if (process is { HasExited: false })
                {
                    Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)])!.WaitForExit();
                    await process.WaitForExitAsync();
                }
            }

            Directory.Delete(home, recursive: true);
        }
    }

    private static double Percentile(List<double> sorted, double p) => sorted.Count == 0 ? 0 : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static double ResidentMegabytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    /// <summary>A real `updraft` service process from the updraft.dll beside this one.</summary>
    private static Process Start(CliContext ctx, string verb)
    {
        var command = ctx.SelfCommand(verb);
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "updraft.dll"));
        start.ArgumentList.Add(verb);
        foreach (var (key, value) in command.Environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start)!;
        _ = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        return process;
    }
}
