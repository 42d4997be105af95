using System.CommandLine;
using System.Security.Cryptography;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Updraft.Cli.Hosting;
using Updraft.Execution.Api;
using Updraft.Scheduling;
using Updraft.Scheduling.Execution;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Hosting;
using Updraft.Scheduling.Processing;
using Updraft.Scheduling.Scheduling;
using Updraft.Scheduling.Workers;
using Updraft.Server;
using Updraft.Server.Hosting;
using Updraft.Storage;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft standalone | scheduler | dag-processor | triggerer | api-server</c>, and the hidden <c>worker-process</c> the local executor starts.</summary>
internal static class ServiceCommands
{
    /// <summary>The parts a service command runs in its process.</summary>
    [Flags]
    private enum Parts
    {
        DagProcessor = 1,
        Scheduler = 2,
        ApiServer = 4,
        Triggerer = 8,
    }

    public static IEnumerable<Command> Create(Func<CliContext> context)
    {
        var standalone = Service(context, "standalone", "Run everything in one process tree on this machine: DAG processor, scheduler with its executor, triggerer and API server. Ctrl-C stops it.", Parts.DagProcessor | Parts.Scheduler | Parts.Triggerer | Parts.ApiServer);
        var scheduler = Service(context, "scheduler", "Run the scheduler and its local executor.", Parts.Scheduler);
        var processor = Service(context, "dag-processor", "Run the DAG processor: keep the database in step with the DAG files.", Parts.DagProcessor);
        var triggerer = Service(context, "triggerer", "Run the triggerer: wait on the triggers of deferred tasks and resume each task when its trigger fires.", Parts.Triggerer);
        var api = Service(context, "api-server", "Run the API server: the execution API workers report to, on [api] host and port.", Parts.ApiServer);

        var worker = new Command("worker-process", "Run task instances sent on standard input (started by the local executor).") { Hidden = true };
        worker.SetAction((_, cancellationToken) => RunWorkerAsync(context(), cancellationToken));
        var parser = new Command("dag-file-processor", "Parse DAG files sent on standard input (started by the DAG processor).") { Hidden = true };
        parser.SetAction((_, cancellationToken) => RunDagFileChildAsync(context(), cancellationToken));
        var isolated = new Command("task-process", "Run one isolated task sent on standard input (started by a worker or dags test).") { Hidden = true };
        isolated.SetAction((_, cancellationToken) => RunTaskProcessAsync(context(), cancellationToken));
        return [standalone, scheduler, processor, triggerer, api, worker, parser, isolated];
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
        var config = ctx.Config;
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ApplicationName = "updraft" });
        builder.Logging.AddSimpleConsole(o =>
            {
                o.SingleLine = true;
                o.TimestampFormat = "yyyy-MM-dd'T'HH:mm:ss.fff ";
                o.UseUtcTimestamp = true;
            })
            .SetMinimumLevel(ParseLevel(config.Get("logging", "logging_level")));
        builder.Services.Configure<ConsoleLifetimeOptions>(o => o.SuppressStatusMessages = true);

        // The database is made ready (and, for standalone, the admin account) before any other part starts.
        builder.Services
            .AddSingleton(ctx.Environment.Time)
            .AddSingleton(config)
            .AddUpdraftStorage(ctx.Database)
            .AddUpdraftOperations()
            .AddSingleton(s => new SecretStore(s.GetRequiredService<MetadataDatabase>(), new Core.Secrets.MultiFernet(config.Get("core", "fernet_key")), ctx.Environment.Time))
            .AddSingleton(_ => ctx.TriggerKwargs)
            .AddHostedService(_ => new DatabaseStartup(ctx, standalone, scheduler, EnsureAdminAsync));
        var executors = scheduler || processor ? ExecutorSettings.From(config) : [];
        if (scheduler || api)
        {
            builder.Services.AddSingleton(s => ctx.ExecutionService(s.GetRequiredService<MetadataDatabase>()));
        }

        if (api)
        {
            // Webhook watchers read their secret through the secrets chain.
            builder.Services.AddSingleton<Core.Runtime.IConnectionStore>(s => ctx.SecretsOn(s.GetRequiredService<MetadataDatabase>()));
            builder.Services.AddUpdraftApiServer(o =>
            {
                o.Host = config.Get("api", "host");
                o.Port = config.GetInt("api", "port");
                // Without a secret (a configuration file from before it existed) this process makes up its own, as for
                // the execution API: its tokens then serve this API server only.
                o.JwtSecret = config.Get("api_auth", "jwt_secret") is { Length: > 0 } secret ? secret : Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
                o.JwtExpiration = TimeSpan.FromSeconds(config.GetDouble("api_auth", "jwt_expiration_time"));
                o.MaximumPageLimit = config.GetInt("api", "maximum_page_limit");
                o.ExposeConfig = config.GetBool("api", "expose_config");
                o.ListCacheLifetime = TimeSpan.FromSeconds(config.GetDouble("api", "list_cache_seconds"));
                o.TestConnection = config.Get("core", "test_connection").Equals("Enabled", StringComparison.OrdinalIgnoreCase);
                o.LogFolder = ctx.LogFolder;
            });
        }

        if (processor)
        {
            builder.Services.AddSingleton(s => ctx.NewDagCallbackRunner(s.GetRequiredService<MetadataDatabase>(), s.GetRequiredService<ILogger<DagCallbackRunner>>()));
            builder.Services.AddUpdraftDagProcessor(_ => ctx.NewChildProcessParser(), o =>
            {
                o.Folders = ctx.DagFolders;
                o.ListInterval = TimeSpan.FromSeconds(config.GetDouble("scheduler", "dag_dir_list_interval"));
                o.Executors = [.. executors.Select(e => e.Name)];
            });
        }

        if (scheduler)
        {
            builder.Services.AddUpdraftScheduler(s =>
            {
                var execution = s.GetRequiredService<TaskExecutionService>();
                var local = executors.Select(e => ctx.NewLocalExecutor(e.Slots, execution, name: e.Name)).ToList();
                local[0].PrewarmOnStart = 1;
                return local;
            });
        }

        if (parts.HasFlag(Parts.Triggerer))
        {
            builder.Services.AddUpdraftTriggerer(
                ctx.LogFolder,
                s => ctx.SecretsOn(s.GetRequiredService<MetadataDatabase>()),
                s => new Updraft.Scheduling.Triggering.DagCodeTriggerTypes(s.GetRequiredService<MetadataDatabase>(), ctx.NewLoader()));
        }

        var host = builder.Build();

        // The host's services include parts that only dispose asynchronously (the DAG file parser's processes).
        await using var disposal = (IAsyncDisposable)host;

        // Settings are checked before anything starts: a wrong value is a one-line error, never a silent stall.
        _ = host.Services.GetRequiredService<IOptions<SchedulerOptions>>().Value;
        _ = host.Services.GetRequiredService<IOptions<DagProcessorOptions>>().Value;
        _ = host.Services.GetRequiredService<IOptions<ApiServerOptions>>().Value;
        _ = host.Services.GetRequiredService<IOptions<Updraft.Scheduling.Triggering.TriggererOptions>>().Value;
        if (processor)
        {
            await using var check = ctx.NewChildProcessParser();
        }

        if (scheduler)
        {
            // Read by the workers; checked here so that a wrong value is not a stream of lost tries.
            ExecutionApiClient(config.Get("core", "execution_api_server_url"))?.Dispose();
        }

        await host.StartAsync(cancellationToken);
        if (host.Services.GetService<ApiServerService>()?.Address is { } address)
        {
            output.WriteLine($"API server listening on {address} (execution API at {address}execution/v1/).");
            output.WriteLine($"Web UI at {address}{(standalone ? " (sign in as admin)" : "")}.");
        }

        var what = standalone ? "Updraft standalone" : scheduler ? "Scheduler" : processor ? "DAG processor" : parts == Parts.Triggerer ? "Triggerer" : "API server";
        output.WriteLine($"{what} is running (database {ctx.Database.Description}, DAGs {ctx.DagsFolder}, logs {ctx.LogFolder}). Press Ctrl-C to stop.");

        // Ctrl-C or SIGTERM: the host stops its parts in reverse order (the scheduler with its executors, the DAG
        // processor, the API server, then the database part, which releases the scheduler lock).
        await host.WaitForShutdownAsync(cancellationToken);
        output.WriteLine($"{what} stopped.");
        return 0;
    }

    /// <summary>Creates the admin account on first start; its password is printed once and kept in a file only its owner can read.</summary>
    internal static async Task EnsureAdminAsync(CliContext ctx, MetadataDatabase database, CancellationToken cancellationToken)
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

        // Tries come over the pipe either way; their calls go back over it, or to the API server when one is named.
        using var http = ExecutionApiClient(ctx.Config.Get("core", "execution_api_server_url"));
        return await WorkerProcessHost.RunAsync(
            Console.In,
            protocol,
            pipe => new TaskInstanceRunner(http is null ? pipe : new HttpExecutionApi(http), ctx.NewLoader(), ctx.LogFolder, ctx.Environment.Time, heartbeat, ctx.DagCodeCacheFolder, ctx.WorkerCommand("task-process")),
            cancellationToken);
    }

    /// <summary>An HTTP client for the execution API at <paramref name="url"/> (its <c>/execution/</c> root or its versioned path); null when empty.</summary>
    internal static HttpClient? ExecutionApiClient(string url)
    {
        if (string.IsNullOrWhiteSpace(url))
        {
            return null;
        }

        if (!Uri.TryCreate(url.Trim().TrimEnd('/') + "/", UriKind.Absolute, out var root) || root.Scheme is not ("http" or "https"))
        {
            throw new Core.Configuration.ConfigException($"[core] execution_api_server_url must be an http:// or https:// URL such as http://127.0.0.1:8080/execution/, found '{url}'.");
        }

        var versioned = root.AbsolutePath.EndsWith("/v1/", StringComparison.Ordinal) ? root : new Uri(root, "v1/");
        return new HttpClient { BaseAddress = versioned, Timeout = TimeSpan.FromSeconds(30) };
    }

    private static async Task<int> RunTaskProcessAsync(CliContext ctx, CancellationToken cancellationToken)
    {
        // Standard output carries the protocol; the task's console output becomes log lines over it.
        var protocol = new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = false };
        Console.SetOut(Console.Error);
        return await IsolatedTaskChild.RunAsync(Console.In, protocol, ctx.NewLoader(), cancellationToken);
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
