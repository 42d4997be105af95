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
        var standalone = Service(context, "standalone", "Run everything in one process tree on this machine: DAG processor, scheduler and executor. Ctrl-C stops it.", processor: true, scheduler: true);
        var scheduler = Service(context, "scheduler", "Run the scheduler and its local executor.", processor: false, scheduler: true);
        var processor = Service(context, "dag-processor", "Run the DAG processor: keep the database in step with the DAG files.", processor: true, scheduler: false);

        var worker = new Command("worker-process", "Run task instances sent on standard input (started by the local executor).") { Hidden = true };
        worker.SetAction((_, cancellationToken) => RunWorkerAsync(context(), cancellationToken));
        return [standalone, scheduler, processor, worker];
    }

    private static Command Service(Func<CliContext> context, string name, string description, bool processor, bool scheduler)
    {
        var daemon = new Option<bool>("--daemon", "-D") { Description = "Run in the background; print its pid and return." };
        var pidFile = new Option<string?>("--pid") { Description = $"The pid file (default with -D: $UPDRAFT_HOME/updraft-{name}.pid), removed on a clean stop." };
        var logFile = new Option<string?>("--log-file", "-l") { Description = $"With -D, where its output goes (default $UPDRAFT_HOME/updraft-{name}.log)." };
        var command = new Command(name, description) { daemon, pidFile, logFile };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            if (parse.GetValue(daemon))
            {
                return Daemonize(ctx, name, parse.GetValue(pidFile) ?? Path.Combine(ctx.Config.Home, $"updraft-{name}.pid"), parse.GetValue(logFile) ?? Path.Combine(ctx.Config.Home, $"updraft-{name}.log"));
            }

            var pid = parse.GetValue(pidFile);
            if (pid is not null)
            {
                await File.WriteAllTextAsync(pid, System.Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n", cancellationToken);
            }

            try
            {
                return await RunAsync(ctx, processor, scheduler, standalone: name == "standalone", cancellationToken);
            }
            finally
            {
                if (pid is not null)
                {
                    File.Delete(pid);
                }
            }
        });
        return command;
    }

    /// <summary>Starts this same command in the background with its output in a log file, and reports its pid.</summary>
    private static int Daemonize(CliContext ctx, string name, string pidFile, string logFile)
    {
        if (File.Exists(pidFile) && int.TryParse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture, out var old) && IsAlive(old))
        {
            throw new CliException($"updraft {name} is already running in the background (pid {old}, pid file {pidFile}).");
        }

        var worker = ctx.SelfCommand(name);
        var start = new System.Diagnostics.ProcessStartInfo("bash") { UseShellExecute = false, RedirectStandardOutput = true };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("nohup \"$@\" >> \"$UPDRAFT_DAEMON_LOG\" 2>&1 < /dev/null & echo $!");
        start.ArgumentList.Add("updraft");
        start.ArgumentList.Add(worker.FileName);
        foreach (var argument in worker.Arguments.Concat(["--pid", Path.GetFullPath(pidFile)]))
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (key, value) in worker.Environment)
        {
            start.Environment[key] = value;
        }

        start.Environment["UPDRAFT_DAEMON_LOG"] = Path.GetFullPath(logFile);
        using var shell = System.Diagnostics.Process.Start(start) ?? throw new CliException("Could not start the background process.");
        var pid = shell.StandardOutput.ReadToEnd().Trim();
        shell.WaitForExit();
        ctx.Environment.Out.WriteLine($"Started updraft {name} in the background: pid {pid}, log {Path.GetFullPath(logFile)}, pid file {Path.GetFullPath(pidFile)}.");
        return 0;
    }

    private static bool IsAlive(int pid)
    {
        try
        {
            using var process = System.Diagnostics.Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
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
        await using var executor = scheduler ? ctx.NewLocalExecutor(ExecutorSlots(ctx), await ctx.ExecutionServiceAsync(cancellationToken)) : null;
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
                Parallelism = ExecutorSlots(ctx),
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

        if (executor is not null)
        {
            await executor.DisposeAsync();
        }

        output.WriteLine($"{what} stopped.");
        return 0;
    }

    /// <summary>Worker slots from <c>[core] executor</c>: LocalExecutor runs <c>[core] parallelism</c> at once, SequentialExecutor one.</summary>
    internal static int ExecutorSlots(CliContext ctx) => ctx.Config.Get("core", "executor").Trim() switch
    {
        "LocalExecutor" => ctx.Config.GetInt("core", "parallelism"),
        "SequentialExecutor" => 1,
        var other => throw new Core.Configuration.ConfigException(
            $"[core] executor '{other}' is not available; this Updraft has LocalExecutor and SequentialExecutor."),
    };

    private static async Task<MetadataDatabase> MigratedAsync(CliContext ctx, CancellationToken cancellationToken)
    {
        await ctx.MigrateAsync(cancellationToken);
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
        // Standard output carries the protocol; anything else written to the console goes to standard error. The
        // worker opens no database: everything about its tries goes through the executor's execution API.
        var protocol = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        Console.SetOut(Console.Error);
        var heartbeat = TimeSpan.FromSeconds(ctx.Config.GetDouble("scheduler", "job_heartbeat_sec"));
        return await WorkerProcessHost.RunAsync(
            Console.In,
            protocol,
            api => new TaskInstanceRunner(api, ctx.NewLoader(), ctx.DagFolders, ctx.LogFolder, ctx.Environment.Time, heartbeat),
            cancellationToken);
    }

    private static LogLevel ParseLevel(string text) => Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) ? level
        : text.Equals("WARN", StringComparison.OrdinalIgnoreCase) ? LogLevel.Warning : LogLevel.Information;
}
