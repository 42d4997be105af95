using System.CommandLine;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Updraft.Cli.Hosting;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Hosting;
using Updraft.Scheduling.Processing;
using Updraft.Scheduling.Scheduling;
using Updraft.Scheduling.Workers;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft standalone | scheduler | dag-processor</c>, and the hidden <c>worker-process</c> the local executor starts.</summary>
internal static class ServiceCommands
{
    public static IEnumerable<Command> Create(Func<CliContext> context)
    {
        var standalone = new Command("standalone", "Run everything in one process tree on this machine: DAG processor, scheduler and executor. Ctrl-C stops it.");
        standalone.SetAction((_, cancellationToken) => RunAsync(context(), processor: true, scheduler: true, standalone: true, cancellationToken));

        var scheduler = new Command("scheduler", "Run the scheduler and its local executor.");
        scheduler.SetAction((_, cancellationToken) => RunAsync(context(), processor: false, scheduler: true, standalone: false, cancellationToken));

        var processor = new Command("dag-processor", "Run the DAG processor: keep the database in step with the DAG files.");
        processor.SetAction((_, cancellationToken) => RunAsync(context(), processor: true, scheduler: false, standalone: false, cancellationToken));

        var worker = new Command("worker-process", "Run task instances sent on standard input (started by the local executor).") { Hidden = true };
        worker.SetAction((_, cancellationToken) => RunWorkerAsync(context(), cancellationToken));
        return [standalone, scheduler, processor, worker];
    }

    private static async Task<int> RunAsync(CliContext ctx, bool processor, bool scheduler, bool standalone, CancellationToken cancellationToken)
    {
        var output = ctx.Environment.Out;
        var database = standalone
            ? await MigratedAsync(ctx, cancellationToken)
            : await ctx.ReadyDatabaseAsync(cancellationToken);
        using var schedulerLock = scheduler && database.Dialect == SqlDialect.Sqlite
            ? SchedulerLock.Acquire(Path.Combine(ctx.Config.Home, "scheduler.lock"))
            : null;
        if (standalone)
        {
            await EnsureAdminAsync(ctx, database, cancellationToken);
        }

        using var loggers = LoggerFactory.Create(b => b
            .AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            })
            .SetMinimumLevel(ParseLevel(ctx.Config.Get("logging", "logging_level"))));
        var time = ctx.Environment.Time;
        var services = new List<BackgroundService>();
        await using var executor = scheduler ? new LocalExecutor(ctx.WorkerCommand(), ctx.Config.GetInt("core", "parallelism"), ctx.LogFolder, time) : null;
        if (processor)
        {
            var dagProcessor = new DagProcessor(ctx.NewLoader(), ctx.DagFolders, database, time);
            await dagProcessor.RunOnceAsync(cancellationToken);
            services.Add(new DagProcessorService(
                dagProcessor, TimeSpan.FromSeconds(ctx.Config.GetDouble("scheduler", "dag_dir_list_interval")), time, loggers.CreateLogger<DagProcessorService>()));
        }

        if (executor is not null)
        {
            executor.Prewarm(1);
            var options = new SchedulerOptions
            {
                Parallelism = ctx.Config.GetInt("core", "parallelism"),
                ZombieThreshold = TimeSpan.FromSeconds(ctx.Config.GetDouble("scheduler", "scheduler_zombie_task_threshold")),
                QueuedTimeout = TimeSpan.FromSeconds(ctx.Config.GetDouble("scheduler", "task_queued_timeout")),
                MaxRetryDelay = TimeSpan.FromSeconds(ctx.Config.GetDouble("core", "max_task_retry_delay")),
            };
            var engine = new SchedulerEngine(database, executor, options, time, loggers.CreateLogger<SchedulerEngine>());
            services.Add(new SchedulerService(engine, executor, time, loggers.CreateLogger<SchedulerService>()));
        }

        foreach (var service in services)
        {
            await service.StartAsync(cancellationToken);
        }

        var what = standalone ? "Updraft standalone" : scheduler ? "Scheduler" : "DAG processor";
        output.WriteLine($"{what} is running (database {database.Description}, DAGs {ctx.DagsFolder}, logs {ctx.LogFolder}). Press Ctrl-C to stop.");
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Ctrl-C: stop cleanly below.
        }

        foreach (var service in services)
        {
            await service.StopAsync(CancellationToken.None);
            service.Dispose();
        }

        output.WriteLine($"{what} stopped.");
        return 0;
    }

    private static async Task<MetadataDatabase> MigratedAsync(CliContext ctx, CancellationToken cancellationToken)
    {
        await new Migrator(ctx.Database, ctx.Environment.Time).MigrateAsync(cancellationToken);
        return ctx.Database;
    }

    /// <summary>Creates the admin account on first start; its password is printed once and kept in a file only its owner can read.</summary>
    private static async Task EnsureAdminAsync(CliContext ctx, MetadataDatabase database, CancellationToken cancellationToken)
    {
        var file = Path.Combine(ctx.Config.Home, "standalone_admin_password.txt");
        var password = Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).Replace('/', 'x').Replace('+', 'y');
        if (await new UserStore(database).CreateIfMissingAsync("admin", password, "Admin", ctx.Environment.Time.GetUtcNow(), cancellationToken))
        {
            await File.WriteAllTextAsync(file, password + "\n", cancellationToken);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            ctx.Environment.Out.WriteLine($"Created the admin account. Login with username: admin  password: {password}  (also kept in {file})");
        }
        else
        {
            ctx.Environment.Out.WriteLine($"The admin password is in {file}.");
        }
    }

    private static async Task<int> RunWorkerAsync(CliContext ctx, CancellationToken cancellationToken)
    {
        // Standard output carries the protocol; anything else written to the console goes to standard error.
        var protocol = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        Console.SetOut(Console.Error);
        var secrets = await ctx.TaskSecretsAsync(cancellationToken);
        var runner = new TaskInstanceRunner(
            ctx.Database,
            ctx.NewLoader(),
            ctx.DagFolders,
            ctx.LogFolder,
            secrets,
            secrets,
            ctx.Environment.Time,
            TimeSpan.FromSeconds(ctx.Config.GetDouble("scheduler", "job_heartbeat_sec")),
            TimeSpan.FromSeconds(ctx.Config.GetDouble("core", "max_task_retry_delay")));
        return await WorkerProcessHost.RunAsync(Console.In, protocol, runner, cancellationToken);
    }

    private static LogLevel ParseLevel(string text) => Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) ? level
        : text.Equals("WARN", StringComparison.OrdinalIgnoreCase) ? LogLevel.Warning : LogLevel.Information;
}
