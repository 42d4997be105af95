using Updraft.Cli.Hosting;
using Updraft.Core.States;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Processing;
using Updraft.Scheduling.Scheduling;
using Updraft.Tests.Shared;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// A real Updraft installation for one test: a home folder, DAG files, a metadata database, and schedulers whose
/// local executors start the real <c>updraft worker-process</c>.
/// </summary>
public sealed class Orchestra : IAsyncDisposable
{
    private readonly List<IExecutor> _executors = [];

    public Orchestra(string databaseUri, Dictionary<string, string>? settings = null)
    {
        Home = Directory.CreateTempSubdirectory("updraft-sched-").FullName;
        Environment = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["UPDRAFT_HOME"] = Home,
            ["UPDRAFT__CORE__LOAD_EXAMPLES"] = "False",
            ["UPDRAFT__CORE__DAGS_ARE_PAUSED_AT_CREATION"] = "False",
            ["UPDRAFT__DATABASE__CONNECTION"] = databaseUri,
            ["UPDRAFT__SCHEDULER__JOB_HEARTBEAT_SEC"] = "1",
        };
        foreach (var (key, value) in settings ?? [])
        {
            Environment[key] = value;
        }

        Context = new CliContext(new CliEnvironment(Environment, TextWriter.Null, TextWriter.Null, TimeProvider.System));
        Directory.CreateDirectory(Context.DagsFolder);
    }

    /// <summary>A migrated installation on <paramref name="databaseUri"/>, or on the default embedded SQLite database when null.</summary>
    public static async Task<Orchestra> CreateAsync(string? databaseUri, Dictionary<string, string>? settings = null)
    {
        var orchestra = new Orchestra(databaseUri ?? "", settings);
        if (databaseUri is null)
        {
            orchestra.Environment.Remove("UPDRAFT__DATABASE__CONNECTION");
        }

        await orchestra.MigrateAsync();
        return orchestra;
    }

    public string Home { get; }

    public Dictionary<string, string> Environment { get; }

    public CliContext Context { get; }

    public MetadataDatabase Database => Context.Database;

    public string LogFolder => Context.LogFolder;

    /// <summary>The execution API the schedulers' workers are served by (set up by <see cref="MigrateAsync"/>).</summary>
    public Execution.TaskExecutionService Service { get; private set; } = null!;

    public async Task MigrateAsync()
    {
        await new Migrator(Database, TimeProvider.System).MigrateAsync();
        Service = await Context.ExecutionServiceAsync();
    }

    public void WriteDag(string name, string source) => File.WriteAllText(Path.Combine(Context.DagsFolder, name), source);

    public async Task ProcessAsync()
    {
        var bag = await new DagProcessor(Context.NewLoader(), Context.DagFolders, Database, Context.TriggerKwargs, TimeProvider.System).RunOnceAsync();
        Assert.True(bag.ImportErrors.Count == 0, string.Join("\n", bag.ImportErrors));
    }

    public (SchedulerEngine Engine, LocalExecutor Executor) NewScheduler(
        int parallelism = 8,
        TimeSpan? zombieThreshold = null,
        Dictionary<string, string>? workerEnvironment = null,
        TimeSpan? queuedTimeout = null)
    {
        var command = Context.WorkerCommand();
        var environment = new Dictionary<string, string>(command.Environment, StringComparer.Ordinal);
        foreach (var (key, value) in workerEnvironment ?? [])
        {
            environment[key] = value;
        }

        var executor = Context.NewLocalExecutor(parallelism, Service, command with { Environment = environment });
        _executors.Add(executor);
        var options = new SchedulerOptions
        {
            Parallelism = parallelism,
            ZombieThreshold = zombieThreshold ?? TimeSpan.FromMinutes(5),
            QueuedTimeout = queuedTimeout ?? TimeSpan.FromMinutes(10),
        };
        var engine = new SchedulerEngine(Database, executor, options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchedulerEngine>.Instance);
        return (engine, executor);
    }

    /// <summary>A local executor named <paramref name="name"/> with <paramref name="slots"/>, disposed with the orchestra.</summary>
    public LocalExecutor NewExecutor(string name, int slots)
    {
        var executor = Context.NewLocalExecutor(slots, Service, name: name);
        _executors.Add(executor);
        return executor;
    }

    /// <summary>A scheduler over several executors (the first the default), or over a test's own executor.</summary>
    public SchedulerEngine NewEngine(IReadOnlyList<IExecutor> executors, int parallelism = 8, TimeSpan? queuedTimeout = null)
    {
        foreach (var executor in executors.Where(e => !_executors.Contains(e)))
        {
            _executors.Add(executor);
        }

        var options = new SchedulerOptions { Parallelism = parallelism, QueuedTimeout = queuedTimeout ?? TimeSpan.FromMinutes(10) };
        return new SchedulerEngine(Database, executors, options, TimeProvider.System, Microsoft.Extensions.Logging.Abstractions.NullLogger<SchedulerEngine>.Instance);
    }

    public Task<DagRunRecord> TriggerAsync(string dagId, string? runId = null, System.Text.Json.Nodes.JsonObject? conf = null) =>
        Updraft.Scheduling.Operations.DagRunService.CreateManualRunAsync(new DagStore(Database), new DagRunStore(Database), new(dagId) { RunId = runId, Conf = conf }, TimeProvider.System.GetUtcNow());

    /// <summary>Runs scheduling passes until every run is finished, waiting on executor events between passes (never sleeping blindly).</summary>
    /// <remarks>
    /// With <paramref name="rideOutOutages"/>, a pass that fails because the database is away is retried, as the
    /// scheduler service does.
    /// </remarks>
    public Task RunToCompletionAsync(SchedulerEngine engine, IExecutor executor, TimeSpan? timeout = null, Func<Task>? afterPass = null, bool rideOutOutages = false) =>
        RunToCompletionAsync(engine, [executor], timeout, afterPass, rideOutOutages);

    public async Task RunToCompletionAsync(SchedulerEngine engine, IReadOnlyList<IExecutor> executors, TimeSpan? timeout = null, Func<Task>? afterPass = null, bool rideOutOutages = false)
    {
        using var limit = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(90));
        var runs = new DagRunStore(Database);
        while (true)
        {
            SchedulingPass pass;
            try
            {
                pass = await engine.RunOnceAsync(limit.Token);
                if (afterPass is not null)
                {
                    await afterPass();
                }

                if (!pass.MadeProgress && (await runs.ListAsync(null, [DagRunState.Queued, DagRunState.Running], 1, limit.Token)).Count == 0)
                {
                    return;
                }
            }
            catch (Exception e) when (rideOutOutages && !limit.IsCancellationRequested && (MetadataDatabase.IsTransient(e) || e is DatabaseException))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), limit.Token);
                continue;
            }

            if (!pass.MadeProgress)
            {
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(limit.Token);
                wait.CancelAfter(TimeSpan.FromMilliseconds(250));
                try
                {
                    await Task.WhenAny(executors.Select(e => e.Events.WaitToReadAsync(wait.Token).AsTask()));
                    var timedOut = wait.IsCancellationRequested;
                    await wait.CancelAsync();
                    if (timedOut)
                    {
                        throw new OperationCanceledException(wait.Token);
                    }
                }
                catch (OperationCanceledException) when (!limit.IsCancellationRequested)
                {
                    // Nothing ended yet: go round again (a retry may have come due).
                }
            }
        }
    }

    public async Task<Dictionary<string, TaskInstanceRecord>> TasksAsync(string dagId, string runId) =>
        (await new TaskInstanceStore(Database).ListForRunAsync(dagId, runId)).ToDictionary(t => t.MapIndex < 0 ? t.TaskId : $"{t.TaskId}[{t.MapIndex}]");

    public string ReadLog(string dagId, string runId, string taskId, int mapIndex, int attempt) =>
        File.ReadAllText(Logging.TaskLogPaths.For(LogFolder, new TaskInstanceKey(dagId, runId, taskId, mapIndex), attempt));

    public async Task<string> RunStateAsync(string dagId, string runId) => (await new DagRunStore(Database).GetAsync(dagId, runId))!.State.ToWireName();

    public string ReadLog(string dagId, string runId, string taskId, int attempt) =>
        File.ReadAllText(Logging.TaskLogPaths.For(LogFolder, new TaskInstanceKey(dagId, runId, taskId), attempt));

    public async ValueTask DisposeAsync()
    {
        foreach (var executor in _executors)
        {
            await executor.DisposeAsync();
        }

        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(Home, recursive: true);
    }

    /// <summary>A DAG file around <paramref name="body"/>, which adds tasks to <c>dag</c>.</summary>
    public static string DagSource(string dagId, string body, string settings = "") => $$"""
        public sealed class Source_{{dagId}} : IDagSource
        {
            public IEnumerable<Dag> Build()
            {
                var dag = new Dag("{{dagId}}", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)) { {{settings}} };
                {{body}}
                yield return dag;
            }
        }
        """;
}
