using System.Diagnostics;
using System.Globalization;
using Dapper;
using Updraft.Cli.Hosting;
using Updraft.Core.States;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Processing;
using Updraft.Scheduling.Scheduling;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

/// <summary>
/// Scheduler scenarios, run in this process with the real local executor (worker processes) and a real
/// database: `lag` (100 DAGs × 10 linear tasks), `chain` (one DAG of 40 chained tasks), `throughput`
/// (1,000 DAGs × 10 parallel tasks, one or two schedulers), `mapped` (one DAG whose task is mapped over a list of
/// 10,000 elements, then one task collecting the 10,000 results), `sensors-poke` / `sensors-reschedule` (one DAG
/// whose sensors, one per worker slot and first in line, wait 10 s, beside 200 short tasks: in reschedule mode the
/// tasks run in the slots the sensors give back).
/// </summary>
internal static class SchedulerBench
{
    private const string WarmUpRun = "warmup";
    private const int WarmUpTries = 400;
    private const int MappedLength = 10_000;
    private const int SensedTasks = 200;
    private static readonly TimeSpan SensorWait = TimeSpan.FromSeconds(10);

    public static async Task<int> RunAsync(string[] args)
    {
        var scenario = args[0];
        var dialect = args.Length > 1 ? args[1] : "sqlite";
        var schedulers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1;
        var slots = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 4;
        var (dags, tasks, linear) = scenario switch
        {
            "lag" => (100, 10, true),
            "chain" => (1, 40, true),
            "throughput" => (1000, 10, false),
            "mapped" or "sensors-poke" or "sensors-reschedule" => (1, 10, false),
            _ => throw new ArgumentException($"unknown scenario {scenario}"),
        };

        using var postgres = dialect == "postgres" ? new PostgresServer() : null;
        using var mariaDb = dialect == "mariadb" ? new MariaDbServer() : null;
        var home = Directory.CreateTempSubdirectory("updraft-bench-").FullName;
        try
        {
            var env = new Dictionary<string, string>
            {
                ["UPDRAFT_HOME"] = home,
                ["UPDRAFT__CORE__LOAD_EXAMPLES"] = "False",
                ["UPDRAFT__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "False",
                ["UPDRAFT__CORE__MAX_MAP_LENGTH"] = MappedLength.ToString(CultureInfo.InvariantCulture),
            };
            if (postgres is not null)
            {
                env["UPDRAFT__DATABASE__CONNECTION"] = postgres.CreateDatabase();
            }

            if (mariaDb is not null)
            {
                env["UPDRAFT__DATABASE__CONNECTION"] = mariaDb.CreateDatabase();
            }

            var ctx = new CliContext(new CliEnvironment(env, TextWriter.Null, TextWriter.Null, TimeProvider.System));
            Directory.CreateDirectory(ctx.DagsFolder);
            for (var d = 0; d < dags; d++)
            {
                var body = linear
                    ? $"dag.Chain([.. Enumerable.Range(0, {tasks}).Select(i => (TaskSet)dag.Task($\"t{{i}}\", (TaskContext c) => {{ }}))]);"
                    : $"for (var i = 0; i < {tasks}; i++) {{ dag.Task($\"t{{i}}\", (TaskContext c) => {{ }}); }}";
                File.WriteAllText(Path.Combine(ctx.DagsFolder, $"d{d}.cs"), $$"""
                    public sealed class D{{d}} : IDagSource
                    {
                        public IEnumerable<Dag> Build()
                        {
                            var dag = new Dag("d{{d}}") { MaxActiveTasks = 64 };
                            {{body}}
                            yield return dag;
                        }
                    }
                    """);
            }

            var mapped = scenario == "mapped";
            if (mapped)
            {
                // d0 (10 parallel tasks) is only for the warm-up; the scene is one run of this DAG.
                File.WriteAllText(Path.Combine(ctx.DagsFolder, "mapped.cs"), $$"""
                    public sealed class Mapped : IDagSource
                    {
                        public IEnumerable<Dag> Build()
                        {
                            var dag = new Dag("mapped") { MaxActiveTasks = 64 };
                            var numbers = dag.Task("numbers", ctx => Enumerable.Range(0, {{MappedLength}}).ToArray());
                            var each = dag.Map("each", numbers, (int n) => (long)n * 2);
                            dag.Task("total", each, (long[] all) => all.Sum());
                            yield return dag;
                        }
                    }
                    """);
            }

            var sensing = scenario.StartsWith("sensors-", StringComparison.Ordinal);
            if (sensing)
            {
                // d0 is only for the warm-up. The sensors outrank the tasks, so they take every slot first.
                var mode = scenario == "sensors-poke" ? "Poke" : "Reschedule";
                File.WriteAllText(Path.Combine(ctx.DagsFolder, "sensing.cs"), $$"""
                    public sealed class Sensing : IDagSource
                    {
                        public IEnumerable<Dag> Build()
                        {
                            var dag = new Dag("sensing") { MaxActiveTasks = 64 };
                            for (var i = 0; i < {{slots}}; i++)
                            {
                                dag.Sensor($"wait{i}", ctx => ctx.Clock.GetUtcNow() >= ctx.LogicalDate.AddSeconds({{SensorWait.TotalSeconds}})).With(s =>
                                {
                                    s.Mode = SensorMode.{{mode}};
                                    s.PokeInterval = TimeSpan.FromSeconds(1);
                                    s.PriorityWeight = 1000;
                                });
                            }

                            for (var i = 0; i < {{SensedTasks}}; i++) { dag.Task($"t{i}", (TaskContext c) => { }); }
                            yield return dag;
                        }
                    }
                    """);
            }

            var database = ctx.Database;
            await new Migrator(database, TimeProvider.System).MigrateAsync();
            var processing = Stopwatch.StartNew();
            // As the services do: DAG files are built in child processes, so the compiler's code never runs (or is
            // recompiled by tiered compilation) in the scheduler's process during the scene.
            await using (var parser = ctx.NewChildProcessParser(ChildCommand(ctx, "dag-file-processor")))
            {
                await new DagProcessor(parser, ctx.DagFolders, database, ctx.TriggerKwargs, TimeProvider.System).RunOnceAsync();
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{scenario} on {dialect}{(postgres is not null && Environment.GetEnvironmentVariable("UPDRAFT_PG_DURABLE") == "1" ? " (durable defaults)" : postgres is not null ? " (fsync off)" : mariaDb is not null ? " (redo log flushed once a second)" : "")}: {dags} DAGs x {tasks} {(linear ? "chained" : "parallel")} tasks, {schedulers} scheduler(s), {slots} worker slots each (DAG files processed in {processing.Elapsed.TotalSeconds:0.0} s, not counted)"));

            var engines = new List<(SchedulerEngine Engine, LocalExecutor Executor)>();
            var execution = await ctx.ExecutionServiceAsync();

            // UPDRAFT_BENCH_HTTP=1: workers call the execution API over HTTP (an API server in this process) instead
            // of their pipe, to compare the two transports.
            await using var apiServer = Environment.GetEnvironmentVariable("UPDRAFT_BENCH_HTTP") == "1"
                ? await Updraft.Server.Hosting.ApiServer.StartAsync("127.0.0.1", 0, execution)
                : null;
            Console.WriteLine(apiServer is null ? "  execution API over the workers' pipes" : $"  execution API over HTTP ({apiServer.Address})");
            for (var i = 0; i < schedulers; i++)
            {
                var command = ChildCommand(ctx, "worker-process");
                if (apiServer is not null)
                {
                    command = command with { Environment = new Dictionary<string, string>(command.Environment) { ["UPDRAFT__CORE__EXECUTION_API_SERVER_URL"] = new Uri(apiServer.Address, "execution/").ToString() } };
                }

                var executor = ctx.NewLocalExecutor(slots, execution, command);
                executor.Prewarm(slots);
                var options = new SchedulerOptions { Parallelism = slots };
                engines.Add((new SchedulerEngine(database, executor, options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchedulerEngine>.Instance), executor));
            }

            // Let the prewarmed workers finish starting, as they would have in a running installation.
            await Task.Delay(TimeSpan.FromSeconds(3));
            var cold = Environment.GetEnvironmentVariable("UPDRAFT_BENCH_COLD") == "1";
            if (!cold)
            {
                // A scheduler that has been running has its hot code compiled by tiered compilation, which takes a few
                // hundred tries, and its workers have loaded a DAG: runs of the scene's first DAG, not counted, get this
                // process there (a fresh process spends most of its CPU in the JIT compiler: bench/RESULTS.md).
                for (var i = 0; i < WarmUpTries / tasks; i++)
                {
                    await Updraft.Scheduling.Operations.DagRunService.CreateManualRunAsync(new DagStore(database), new DagRunStore(database), new("d0") { RunId = $"{WarmUpRun}{i}" }, TimeProvider.System.GetUtcNow());
                    await Task.WhenAll(engines.Select(e => LoopAsync(database, e.Engine, e.Executor)));
                }
            }

            Console.WriteLine(cold ? "  cold: no warm-up" : $"  after an uncounted warm-up of {WarmUpTries / tasks} runs of d0 ({WarmUpTries / tasks * tasks} tries)");
            foreach (var dagId in mapped ? ["mapped"] : sensing ? ["sensing"] : Enumerable.Range(0, dags).Select(d => $"d{d}"))
            {
                await Updraft.Scheduling.Operations.DagRunService.CreateManualRunAsync(new DagStore(database), new DagRunStore(database), new(dagId) { RunId = "bench" }, TimeProvider.System.GetUtcNow());
            }

            var heapBefore = GC.GetTotalMemory(forceFullCollection: true);

            if (Environment.GetEnvironmentVariable("UPDRAFT_BENCH_SQL_TOP") == "1" && database.Dialect == SqlDialect.Postgres)
            {
                // Needs UPDRAFT_PG_OPTIONS="-c shared_preload_libraries=pg_stat_statements".
                await using var connection = await database.OpenAsync();
                await connection.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements; SELECT pg_stat_statements_reset();");
            }

            var wall = Stopwatch.StartNew();
            await Task.WhenAll(engines.Select(e => LoopAsync(database, e.Engine, e.Executor)));
            wall.Stop();
            if (mapped)
            {
                await ReportMappedAsync(database, wall.Elapsed, heapBefore);
            }
            else if (sensing)
            {
                await ReportSensingAsync(database, wall.Elapsed);
            }
            else
            {
                await ReportAsync(database, wall.Elapsed, linear);
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  distinct SQL statements cached by Dapper in the scheduler process: {SqlMapper.GetCachedSQLCount()}"));
            if (Environment.GetEnvironmentVariable("UPDRAFT_BENCH_SQL_TOP") == "1" && database.Dialect == SqlDialect.Postgres)
            {
                await ReportStatementsAsync(database);
            }
            foreach (var (_, executor) in engines)
            {
                await executor.DisposeAsync();
            }
        }
        finally
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(home, recursive: true);
        }

        return 0;
    }

    /// <summary>This process is the benchmark, not updraft: children start from the updraft.dll beside it.</summary>
    private static WorkerCommand ChildCommand(CliContext ctx, string verb) =>
        ctx.WorkerCommand(verb) with { FileName = "dotnet", Arguments = [Path.Combine(AppContext.BaseDirectory, "updraft.dll"), verb] };

    private static async Task LoopAsync(MetadataDatabase database, SchedulerEngine engine, LocalExecutor executor)
    {
        var runs = new DagRunStore(database);
        while (true)
        {
            var pass = await engine.RunOnceAsync();
            if (!pass.MadeProgress)
            {
                if ((await runs.ListAsync(null, [DagRunState.Queued, DagRunState.Running], 1)).Count == 0)
                {
                    return;
                }

                using var wait = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));
                try
                {
                    await executor.Events.WaitToReadAsync(wait.Token);
                }
                catch (OperationCanceledException)
                {
                    // Another scheduler's tasks ended; go round again.
                }
            }
        }
    }

    /// <summary>The statements that took the most server time during the scene (pg_stat_statements), and their calls.</summary>
    private static async Task ReportStatementsAsync(MetadataDatabase database)
    {
        await using var connection = await database.OpenAsync();
        var rows = await connection.QueryAsync<(long Calls, double Total, double Mean, string Query)>(
            "SELECT calls, total_exec_time, mean_exec_time, regexp_replace(left(query, 110), '\\s+', ' ', 'g') FROM pg_stat_statements " +
            "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) ORDER BY total_exec_time DESC LIMIT 25");
        Console.WriteLine("  statements by server time (calls, total ms, mean ms, query):");
        foreach (var (calls, total, mean, query) in rows)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {calls,8} {total,10:0} {mean,8:0.000}  {query}"));
        }
    }

    /// <summary>The mapped scene: instances by state, wall time, rate, and the scheduler process's memory.</summary>
    private static async Task ReportMappedAsync(MetadataDatabase database, TimeSpan wall, long heapBefore)
    {
        await using var connection = await database.OpenAsync();
        var states = (await connection.QueryAsync<(string TaskId, string State, long Count)>(
            "SELECT task_id, state, COUNT(*) FROM task_instance WHERE run_id = 'bench' GROUP BY task_id, state ORDER BY task_id")).ToList();
        var total = await connection.ExecuteScalarAsync<string>("SELECT value FROM xcom WHERE run_id = 'bench' AND task_id = 'total'");
        var span = await connection.QuerySingleAsync<(long Start, long End)>(
            "SELECT MIN(start_date), MAX(end_date) FROM task_instance WHERE run_id = 'bench' AND task_id = 'each'");
        var seconds = (span.End - span.Start) / 1_000_000.0;
        using var process = Process.GetCurrentProcess();
        Console.WriteLine("  " + string.Join(", ", states.Select(s => $"{s.TaskId} {s.State} x{s.Count}")) + $"; total = {total}");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  run end to end in {wall.TotalSeconds:0.0} s wall; {MappedLength} mapped instances in {seconds:0.0} s ({MappedLength / seconds:0} instances/s)"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  scheduler process (scheduler + executor; workers are child processes): peak working set {process.PeakWorkingSet64 / 1048576.0:0} MB; managed heap {heapBefore / 1048576.0:0} MB before the run, {GC.GetTotalMemory(forceFullCollection: true) / 1048576.0:0} MB after"));
    }

    /// <summary>The sensor scenes: when the sensors and the tasks ended, and how many tasks ran while the sensors waited.</summary>
    private static async Task ReportSensingAsync(MetadataDatabase database, TimeSpan wall)
    {
        await using var connection = await database.OpenAsync();
        var rows = (await connection.QueryAsync<(string TaskId, string State, long End)>(
            "SELECT task_id, state, end_date FROM task_instance WHERE run_id = 'bench'")).ToList();
        var queuedAt = await connection.ExecuteScalarAsync<long>("SELECT queued_at FROM dag_run WHERE run_id = 'bench'");
        var sensors = rows.Where(r => r.TaskId.StartsWith("wait", StringComparison.Ordinal)).ToList();
        var tasks = rows.Where(r => r.TaskId.StartsWith('t')).ToList();
        var sensorsDone = sensors.Max(r => r.End);
        var pokes = await connection.ExecuteScalarAsync<long>("SELECT COUNT(*) FROM task_reschedule WHERE run_id = 'bench'");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {sensors.Count} sensors ({sensors.Count(r => r.State == "success")} succeeded) done {(sensorsDone - queuedAt) / 1e6:0.0} s after the run was queued; {pokes} reschedules recorded"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {tasks.Count(r => r.State == "success")}/{tasks.Count} tasks succeeded; {tasks.Count(r => r.End < sensorsDone)} of them ended while the sensors still waited; last task ended {(tasks.Max(r => r.End) - queuedAt) / 1e6:0.0} s after queueing; run {wall.TotalSeconds:0.0} s wall"));
    }

    private static async Task ReportAsync(MetadataDatabase database, TimeSpan wall, bool linear)
    {
        await using var connection = await database.OpenAsync();
        var tis = (await connection.QueryAsync<(string DagId, string TaskId, string State, long Start, long End)>(
            "SELECT dag_id, task_id, state, start_date, end_date FROM task_instance WHERE run_id NOT LIKE @WarmUp", new { WarmUp = WarmUpRun + "%" })).ToList();
        var queuedAt = (await connection.QueryAsync<(string DagId, long QueuedAt)>("SELECT dag_id, queued_at FROM dag_run WHERE run_id NOT LIKE @WarmUp", new { WarmUp = WarmUpRun + "%" })).ToDictionary(r => r.DagId, r => r.QueuedAt);
        var byKey = tis.ToDictionary(t => (t.DagId, t.TaskId));
        var lags = tis.Select(t =>
        {
            var index = int.Parse(t.TaskId[1..], CultureInfo.InvariantCulture);
            var met = linear && index > 0 ? byKey[(t.DagId, $"t{index - 1}")].End : queuedAt[t.DagId];
            return (t.Start - met) / 1_000_000.0;
        }).OrderBy(l => l).ToList();
        var failed = tis.Count(t => t.State != "success");
        var phases = (await connection.QueryAsync<(long Queued, long Start, long End)>("SELECT queued_dttm, start_date, end_date FROM task_instance WHERE run_id NOT LIKE @WarmUp", new { WarmUp = WarmUpRun + "%" })).ToList();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  per try: queued -> started {phases.Average(p => p.Start - p.Queued) / 1000:0.0} ms, started -> ended {phases.Average(p => p.End - p.Start) / 1000:0.0} ms (means)"));
        var span = (tis.Max(t => t.End) - tis.Min(t => t.Start)) / 1_000_000.0;
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {tis.Count} task instances ({failed} not successful) in {wall.TotalSeconds:0.00} s wall; {tis.Count / span:0} tasks/s from first start to last end"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  lag (dependencies met -> task started): total {lags.Sum():0.00} s, mean {lags.Average() * 1000:0.0} ms, p50 {lags[lags.Count / 2] * 1000:0.0} ms, p95 {lags[(int)(lags.Count * 0.95)] * 1000:0.0} ms, max {lags[^1] * 1000:0.0} ms"));
    }
}
