using System.CommandLine;
using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Updraft.Cli.Hosting;
using Updraft.Scheduling.Execution;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Hosting;
using Updraft.Scheduling.Processing;
using Updraft.Scheduling.Scheduling;
using Updraft.Scheduling.Workers;
using Updraft.Server.Hosting;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft standalone | scheduler | dag-processor | api-server</c>, and the hidden <c>worker-process</c> the local executor starts.</summary>
internal static class ServiceCommands
{
    /// <summary>The parts a service command runs in its process.</summary>
    [Flags]
    private enum Parts
    {
        DagProcessor = 1,
        Scheduler = 2,
        ApiServer = 4,
    }

    public static IEnumerable<Command> Create(Func<CliContext> context)
    {
        var standalone = Service(context, "standalone", "Run everything in one process tree on this machine: DAG processor, scheduler with its executor, and API server. Ctrl-C stops it.", Parts.DagProcessor | Parts.Scheduler | Parts.ApiServer);
        var scheduler = Service(context, "scheduler", "Run the scheduler and its local executor.", Parts.Scheduler);
        var processor = Service(context, "dag-processor", "Run the DAG processor: keep the database in step with the DAG files.", Parts.DagProcessor);
        var api = Service(context, "api-server", "Run the API server: the execution API workers report to, on [api] host and port.", Parts.ApiServer);

        var worker = new Command("worker-process", "Run task instances sent on standard input (started by the local executor).") { Hidden = true };
        worker.SetAction((_, cancellationToken) => RunWorkerAsync(context(), cancellationToken));
        var parser = new Command("dag-file-processor", "Parse DAG files sent on standard input (started by the DAG processor).") { Hidden = true };
        parser.SetAction((_, cancellationToken) => RunDagFileChildAsync(context(), cancellationToken));
        return [standalone, scheduler, processor, api, worker, parser];
    }

    private static Command Service(Func<CliContext> context, string name, string description, Parts parts)
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
                await CliFiles.WriteAsync(pid, System.Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture) + "\n", secret: false, cancellationToken);
            }

            try
            {
                return await RunAsync(ctx, parts, standalone: name == "standalone", cancellationToken);
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

        CliFiles.EnsureWritable(logFile, "the log file");
        CliFiles.EnsureWritable(pidFile, "the pid file");
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

    private static async Task<int> RunAsync(CliContext ctx, Parts parts, bool standalone, CancellationToken cancellationToken)
    {
        var output = ctx.Environment.Out;
        var (processor, scheduler, api) = (parts.HasFlag(Parts.DagProcessor), parts.HasFlag(Parts.Scheduler), parts.HasFlag(Parts.ApiServer));

        // Settings are checked before anything starts: a wrong value is a one-line error, never a silent stall.
        var options = scheduler ? SchedulerOptionsFrom(ctx) : null;
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
        var execution = scheduler || api ? await ctx.ExecutionServiceAsync(cancellationToken) : null;
        var executors = options is not null ? ExecutorsFrom(ctx).Select(e => ctx.NewLocalExecutor(e.Slots, execution!, name: e.Name)).ToList() : [];
        await using var apiServer = api ? await StartApiServerAsync(ctx, execution!, cancellationToken) : null;
        await using var parser = processor ? ctx.NewChildProcessParser() : null;
        if (parser is not null)
        {
            var dagProcessor = new DagProcessor(parser, ctx.DagFolders, database, time) { Executors = [.. ExecutorsFrom(ctx).Select(e => e.Name)] };
            await dagProcessor.RunOnceAsync(cancellationToken);
            var interval = ctx.Config.GetDouble("scheduler", "dag_dir_list_interval");
            if (interval <= 0)
            {
                throw new Core.Configuration.ConfigException($"[scheduler] dag_dir_list_interval must be more than 0 seconds, found {interval}.");
            }

            services.Add(new DagProcessorService(dagProcessor, ctx.DagFolders, TimeSpan.FromSeconds(interval), time, loggers.CreateLogger<DagProcessorService>()));
        }

        if (executors.Count > 0)
        {
            foreach (var executor in executors)
            {
                await executor.StartAsync(cancellationToken);
            }

            executors[0].Prewarm(1);
            var engine = new SchedulerEngine(database, executors, options!, time, loggers.CreateLogger<SchedulerEngine>());
            services.Add(new SchedulerService(engine, executors, time, loggers.CreateLogger<SchedulerService>()));
        }

        foreach (var service in services)
        {
            await service.StartAsync(cancellationToken);
        }

        if (apiServer is not null)
        {
            output.WriteLine($"API server listening on {apiServer.Address} (execution API at {apiServer.Address}execution/v1/).");
        }

        var what = standalone ? "Updraft standalone" : scheduler ? "Scheduler" : processor ? "DAG processor" : "API server";
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

        foreach (var executor in executors)
        {
            await executor.StopAsync(CancellationToken.None);
        }

        output.WriteLine($"{what} stopped.");
        return 0;
    }

    private static async Task<ApiServer> StartApiServerAsync(CliContext ctx, TaskExecutionService service, CancellationToken cancellationToken)
    {
        var host = ctx.Config.Get("api", "host");
        var port = ctx.Config.GetInt("api", "port");
        if (port is < 0 or > 65535)
        {
            throw new Core.Configuration.ConfigException($"[api] port must be between 0 and 65535, found {port}.");
        }

        try
        {
            return await ApiServer.StartAsync(host, port, service, cancellationToken);
        }
        catch (ArgumentException e)
        {
            throw new Core.Configuration.ConfigException(e.Message);
        }
        catch (IOException e)
        {
            throw new CliException($"The API server cannot listen on {host}:{port}: {e.Message.Split('\n')[0]} Set [api] port (UPDRAFT__API__PORT) to a free port.");
        }
    }

    /// <summary>The scheduler's settings from <c>[core]</c> and <c>[scheduler]</c>, each checked.</summary>
    internal static SchedulerOptions SchedulerOptionsFrom(CliContext ctx)
    {
        var config = ctx.Config;
        var options = new SchedulerOptions
        {
            Parallelism = Math.Min(config.GetInt("core", "parallelism"), ExecutorsFrom(ctx).Sum(e => e.Slots)),
            MaxTisPerQuery = config.GetInt("scheduler", "max_tis_per_query"),
            ZombieThreshold = TimeSpan.FromSeconds(config.GetDouble("scheduler", "scheduler_zombie_task_threshold")),
            QueuedTimeout = TimeSpan.FromSeconds(config.GetDouble("scheduler", "task_queued_timeout")),
            MaxRetryDelay = TimeSpan.FromSeconds(config.GetDouble("core", "max_task_retry_delay")),
            JobHeartbeat = TimeSpan.FromSeconds(config.GetDouble("scheduler", "scheduler_heartbeat_sec")),
            HealthCheckThreshold = TimeSpan.FromSeconds(config.GetDouble("scheduler", "scheduler_health_check_threshold")),
            OrphanCheckInterval = TimeSpan.FromSeconds(config.GetDouble("scheduler", "orphaned_tasks_check_interval")),
        };
        Require(options.JobHeartbeat > TimeSpan.Zero && options.JobHeartbeat < options.HealthCheckThreshold,
            "[scheduler] scheduler_heartbeat_sec must be more than 0 and less than scheduler_health_check_threshold.");
        Require(options.OrphanCheckInterval > TimeSpan.Zero, "[scheduler] orphaned_tasks_check_interval must be more than 0 seconds.");
        Require(options.Parallelism >= 1, $"[core] parallelism must be 1 or more, found {config.Get("core", "parallelism")}: with 0 no task could ever run.");
        Require(options.MaxTisPerQuery >= 1, $"[scheduler] max_tis_per_query must be 1 or more, found {options.MaxTisPerQuery}.");
        Require(options.ZombieThreshold > TimeSpan.Zero, "[scheduler] scheduler_zombie_task_threshold must be more than 0 seconds.");
        Require(options.QueuedTimeout > TimeSpan.Zero, "[scheduler] task_queued_timeout must be more than 0 seconds.");
        var heartbeat = config.GetDouble("scheduler", "job_heartbeat_sec");
        Require(heartbeat > 0 && TimeSpan.FromSeconds(heartbeat) < options.ZombieThreshold, $"[scheduler] job_heartbeat_sec must be more than 0 and less than scheduler_zombie_task_threshold, found {heartbeat}.");
        Require(config.GetDouble("execution_api", "jwt_expiration_time") > heartbeat, "[execution_api] jwt_expiration_time must be longer than [scheduler] job_heartbeat_sec, or tokens expire between heartbeats.");
        return options;

        static void Require(bool holds, string message)
        {
            if (!holds)
            {
                throw new Core.Configuration.ConfigException(message);
            }
        }
    }

    /// <summary>
    /// The executors of <c>[core] executor</c>, comma-separated, the first the default: LocalExecutor runs
    /// <c>[core] parallelism</c> tries at once, SequentialExecutor one. Each name once.
    /// </summary>
    internal static IReadOnlyList<(string Name, int Slots)> ExecutorsFrom(CliContext ctx)
    {
        var names = ctx.Config.Get("core", "executor").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0)
        {
            throw new Core.Configuration.ConfigException("[core] executor names no executor; use LocalExecutor, SequentialExecutor or both (LocalExecutor,SequentialExecutor).");
        }

        var executors = new List<(string, int)>();
        foreach (var name in names)
        {
            if (executors.Any(e => e.Item1 == name))
            {
                throw new Core.Configuration.ConfigException($"[core] executor names {name} twice.");
            }

            executors.Add((name, name switch
            {
                LocalExecutor.DefaultName => ctx.Config.GetInt("core", "parallelism"),
                "SequentialExecutor" => 1,
                var other => throw new Core.Configuration.ConfigException(
                    $"[core] executor '{other}' is not available; this Updraft has LocalExecutor and SequentialExecutor."),
            }));
        }

        return executors;
    }

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
            api => new TaskInstanceRunner(api, ctx.NewLoader(), ctx.LogFolder, ctx.Environment.Time, heartbeat, ctx.DagCodeCacheFolder),
            cancellationToken);
    }

    private static async Task<int> RunDagFileChildAsync(CliContext ctx, CancellationToken cancellationToken)
    {
        // Standard output carries the replies; whatever a DAG file prints while it builds goes to standard error.
        var replies = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        Console.SetOut(Console.Error);
        return await DagFileChild.RunAsync(Console.In, replies, ctx.NewLoader(), cancellationToken);
    }

    private static LogLevel ParseLevel(string text) => Enum.TryParse<LogLevel>(text, ignoreCase: true, out var level) ? level
        : text.Equals("WARN", StringComparison.OrdinalIgnoreCase) ? LogLevel.Warning : LogLevel.Information;
}
