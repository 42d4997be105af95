using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Configuration;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Secrets;
using Updraft.Dags.Discovery;
using Updraft.Dags.Loading;
using Microsoft.Extensions.DependencyInjection;
using Updraft.Execution.Testing;
using Updraft.Scheduling;
using Updraft.Scheduling.Execution;
using Updraft.Scheduling.Executors;
using Updraft.Scheduling.Processing;
using Updraft.Storage;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Hosting;

/// <summary>What commands share: the configuration and the DAG bag, each loaded on first use.</summary>
public sealed class CliContext(CliEnvironment environment)
{
    private UpdraftConfig? _config;
    private DagBag? _bag;
    private MetadataDatabase? _database;
    private TryTokens? _tokens;
    private ServiceProvider? _services;

    public CliEnvironment Environment { get; } = environment;

    public UpdraftConfig Config => _config ??= UpdraftConfig.Load(Environment.Variables);

    public DagDefaults Defaults => DagDefaults.FromConfig(Config);

    /// <summary>The folder the example DAGs ship in, beside the binary.</summary>
    public static string ExamplesFolder => Path.Combine(AppContext.BaseDirectory, "example_dags");

    public string DagsFolder => Config.Get("core", "dags_folder");

    public DagBag Bag => _bag ??= LoadBag();

    /// <summary>Variables and connections from this invocation's <c>UPDRAFT_VAR_*</c> and <c>UPDRAFT_CONN_*</c>.</summary>
    public EnvironmentSecrets Secrets => new(Environment.Variables);

    /// <summary>Connections and variables stored in the metadata database, encrypted with <c>[core] fernet_key</c>.</summary>
    public async Task<SecretStore> SecretStoreAsync(CancellationToken cancellationToken = default) =>
        new(await ReadyDatabaseAsync(cancellationToken), new MultiFernet(Config.Get("core", "fernet_key")), Environment.Time);

    /// <summary>What stores triggers' arguments (<c>triggers.kwargs</c>) encrypted with <c>[core] fernet_key</c>, as Airflow does.</summary>
    public TriggerKwargsCipher TriggerKwargs => new(new MultiFernet(Config.Get("core", "fernet_key")), Environment.Time);

    /// <summary>What tasks look variables and connections up in: the environment first, then the metadata database when there is one.</summary>
    public async Task<LayeredSecrets> TaskSecretsAsync(CancellationToken cancellationToken = default)
    {
        var environmentSecrets = Secrets;
        try
        {
            var store = await SecretStoreAsync(cancellationToken);
            return new LayeredSecrets([environmentSecrets, store], [environmentSecrets, store]);
        }
        catch (DatabaseException)
        {
            // dags test and tasks test work without a database: the environment alone then.
            return new LayeredSecrets([environmentSecrets], [environmentSecrets]);
        }
    }

    public LoadedDag GetDag(string dagId) => Bag.GetDag(dagId);

    /// <summary>An in-process DAG tester that prints task logs to this invocation's output.</summary>
    public async Task<DagTester> NewDagTesterAsync(bool honorRetryDelay = false, CancellationToken cancellationToken = default)
    {
        var secrets = await TaskSecretsAsync(cancellationToken);
        IDagRunClient? dagRuns = null;
        try
        {
            // As Airflow's dags test: a triggered run is a real queued run in the metadata database, when there is one.
            var database = await ReadyDatabaseAsync(cancellationToken);
            dagRuns = new Scheduling.Operations.DatabaseDagRunClient(new DagStore(database), new DagRunStore(database), new TaskInstanceStore(database), Environment.Time);
        }
        catch (DatabaseException)
        {
            // Without a database, cross-DAG tasks fail saying they need the orchestrator.
        }

        return new(new DagTestOptions
        {
            Defaults = Defaults,
            TimeProvider = Environment.Time,
            Log = new TextTaskLogSink(Environment.Out),
            Variables = secrets,
            Connections = secrets,
            HonorRetryDelay = honorRetryDelay,
            DagRuns = dagRuns,

            // Isolated tasks run in a fresh process on the DAG file's code, as on a worker.
            Isolation = new Scheduling.Workers.ProcessIsolation(WorkerCommand("task-process"), task =>
            {
                var content = File.ReadAllBytes(task.Dag.Fileloc);
                var code = new Core.Serialization.DagCode(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(content)), task.Dag.Fileloc, content);
                var folder = DagFolders.FirstOrDefault(f => Directory.Exists(f) && task.Dag.Fileloc.StartsWith(Path.GetFullPath(f).TrimEnd('/') + "/", StringComparison.Ordinal));
                return (code, folder is null ? null : Dags.Loading.SharedCode.Read(folder)?.ToDagCode());
            }),
        });
    }

    public static DateTimeOffset? ParseDate(string? text, string what)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return Iso.TryParse(text, out var value)
            ? value
            : throw new CliException($"Invalid {what} '{text}': expected an ISO 8601 date such as 2025-01-01 or 2025-01-01T03:00:00+00:00.");
    }

    public static JsonObject? ParseConf(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(text) as JsonObject ?? throw new CliException("Invalid conf: expected a JSON object such as '{\"key\": \"value\"}'.");
        }
        catch (JsonException e)
        {
            throw new CliException($"Invalid conf: not valid JSON ({e.Message.Split('.')[0]}).");
        }
    }

    /// <summary>The folders DAG files are loaded from: the DAGs folder, and the examples when enabled.</summary>
    public IReadOnlyList<string> DagFolders
    {
        get
        {
            var dagsFolder = DagsFolder;
            Directory.CreateDirectory(dagsFolder);
            return Config.GetBool("core", "load_examples") ? [dagsFolder, ExamplesFolder] : [dagsFolder];
        }
    }

    public string LogFolder => Config.Get("logging", "base_log_folder");

    public MetadataDatabase Database => _database ??= MetadataDatabase.FromUri(Config.Get("database", "connection"), Config.Home);

    /// <summary>
    /// The database, at the current schema. An embedded SQLite database is created on first use; any other must be
    /// set up with <c>updraft db migrate</c>.
    /// </summary>
    public async Task<MetadataDatabase> ReadyDatabaseAsync(CancellationToken cancellationToken = default)
    {
        var migrator = new Migrator(Database, Environment.Time);
        if (Database.Dialect == SqlDialect.Sqlite && await migrator.CurrentVersionAsync(cancellationToken) == 0)
        {
            await MigrateAsync(cancellationToken);
        }

        await migrator.CheckAsync(cancellationToken);
        return Database;
    }

    /// <summary>
    /// The stores and application services on the ready database, as the long-running services and the REST API
    /// compose them (<c>AddUpdraftStorage</c>, <c>AddUpdraftOperations</c>), so a command applies the same rules.
    /// </summary>
    public async Task<T> ServiceAsync<T>(CancellationToken cancellationToken = default)
        where T : notnull
    {
        if (_services is null)
        {
            var database = await ReadyDatabaseAsync(cancellationToken);
            _services = new ServiceCollection()
                .AddSingleton(Environment.Time)
                .AddUpdraftStorage(database)
                .AddUpdraftOperations()
                .BuildServiceProvider();
        }

        return _services.GetRequiredService<T>();
    }

    /// <summary>Creates or upgrades the database; a new one gets its default pool sized by <c>[core] default_pool_task_slot_count</c>.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var migrator = new Migrator(Database, Environment.Time);
        var created = await migrator.CurrentVersionAsync(cancellationToken) == 0;
        var applied = await migrator.MigrateAsync(cancellationToken);
        if (created)
        {
            await new PoolStore(Database).SetAsync(PoolStore.DefaultPool, Config.GetInt("core", "default_pool_task_slot_count"), "Default pool", cancellationToken: cancellationToken);
        }

        return applied;
    }

    /// <summary>
    /// What the long-running services parse DAG files with: child processes (user code never runs in the service's
    /// own process), each file parsed again when it changes or after <c>[scheduler] min_file_process_interval</c>.
    /// </summary>
    public ChildProcessDagFileParser NewChildProcessParser(WorkerCommand? command = null)
    {
        var minInterval = Config.GetDouble("scheduler", "min_file_process_interval");
        if (minInterval < 0)
        {
            throw new ConfigException($"[scheduler] min_file_process_interval must be 0 or more seconds, found {minInterval}.");
        }

        return new ChildProcessDagFileParser(
            command ?? WorkerCommand("dag-file-processor"),
            IgnoreSyntax,
            TimeSpan.FromSeconds(Config.GetDouble("core", "dagbag_import_timeout")),
            TimeSpan.FromSeconds(minInterval),
            Math.Max(1, System.Environment.ProcessorCount),
            Environment.Time);
    }

    /// <summary>Where workers keep the DAG code they fetched, by hash.</summary>
    public string DagCodeCacheFolder => Path.Combine(Config.Home, "cache", "dag-code");

    public DagBagLoader NewLoader() => new(new DagBagOptions
    {
        CacheDirectory = Path.Combine(Config.Home, "cache", "dags"),
        Defaults = Defaults,
        ImportTimeout = TimeSpan.FromSeconds(Config.GetDouble("core", "dagbag_import_timeout")),
        IgnoreSyntax = IgnoreSyntax,
    });

    /// <summary>
    /// How the local executor starts worker processes (and the dag-processor its parsing processes) of this same
    /// installation, with this invocation's settings but
    /// none of its secrets: no database connection, no Fernet key, no signing secrets, in any of their forms
    /// (<c>UPDRAFT__SECTION__KEY</c>, <c>_CMD</c>, <c>_SECRET</c>). Workers reach the orchestrator through the execution API only.
    /// </summary>
    public WorkerCommand WorkerCommand(string verb = "worker-process")
    {
        var command = SelfCommand(verb);
        var hidden = ConfigDefaults.All.Where(o => o.Sensitive).Select(o => $"{UpdraftConfig.EnvPrefix}{o.Section.ToUpperInvariant()}__{o.Key.ToUpperInvariant()}").ToList();
        var environment = command.Environment
            .Where(v => !hidden.Any(h => v.Key == h || v.Key == h + "_CMD" || v.Key == h + "_SECRET"))
            .ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        if (verb == "worker-process" && !System.Environment.GetEnvironmentVariables().Contains("DOTNET_TieredCompilation"))
        {
            // A worker lives for many tries and loads each DAG's code once: compiling that code optimised at once costs
            // less CPU than tiered compilation's quick code plus its recompilation, which on a small machine is CPU the
            // scheduler and the other workers lack (bench/RESULTS.md). Set DOTNET_TieredCompilation to choose otherwise.
            environment["DOTNET_TieredCompilation"] = "0";
        }

        return command with { Environment = environment };
    }

    /// <summary>How to start this same installation with <paramref name="verb"/> and all of this invocation's settings.</summary>
    public WorkerCommand SelfCommand(string verb)
    {
        var host = System.Environment.ProcessPath ?? "dotnet";
        var viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        var arguments = viaDotnet ? new[] { typeof(CliContext).Assembly.Location, verb } : [verb];
        var environment = Environment.Variables
            .Where(v => v.Key.StartsWith("UPDRAFT", StringComparison.Ordinal))
            .ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        environment["UPDRAFT_HOME"] = Config.Home;
        return new WorkerCommand(host, arguments, environment);
    }

    /// <summary>
    /// The execution API's tokens, signed with <c>[api_auth] jwt_secret</c>. Without one (a configuration file from
    /// before it existed) this process makes up its own, which serves its own workers but no other process.
    /// </summary>
    public TryTokens Tokens => _tokens ??= new TryTokens(
        Config.Get("api_auth", "jwt_secret") is { Length: > 0 } secret ? secret : Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
        TimeSpan.FromSeconds(Config.GetDouble("execution_api", "jwt_expiration_time")),
        Environment.Time);

    /// <summary>The execution API on this installation's database and secrets, as local workers and <c>tasks run</c> use it.</summary>
    public async Task<TaskExecutionService> ExecutionServiceAsync(CancellationToken cancellationToken = default) =>
        ExecutionService(await ReadyDatabaseAsync(cancellationToken));

    /// <summary>The execution API on <paramref name="database"/> (already made ready), with the environment and that database as the secrets chain.</summary>
    public TaskExecutionService ExecutionService(MetadataDatabase database)
    {
        var secrets = SecretsOn(database);
        return new TaskExecutionService(
            database,
            Tokens,
            secrets,
            secrets,
            TriggerKwargs,
            Environment.Time,
            TimeSpan.FromSeconds(Config.GetDouble("core", "max_task_retry_delay")),
            Config.GetInt("core", "max_num_rendered_ti_fields_per_task"));
    }

    /// <summary>The secrets chain on <paramref name="database"/>: the environment first, then the database's encrypted store.</summary>
    public LayeredSecrets SecretsOn(MetadataDatabase database)
    {
        var store = new SecretStore(database, new MultiFernet(Config.Get("core", "fernet_key")), Environment.Time);
        return new LayeredSecrets([Secrets, store], [Secrets, store]);
    }

    /// <summary>
    /// What runs DAG callbacks for the DAG processor: DAG-file child processes, with the environment and
    /// <paramref name="database"/> as their secrets chain, for at most <c>[core] dagbag_import_timeout</c> plus a minute.
    /// </summary>
    public DagCallbackRunner NewDagCallbackRunner(MetadataDatabase database, Microsoft.Extensions.Logging.ILogger<DagCallbackRunner> logger)
    {
        var secrets = SecretsOn(database);
        return new DagCallbackRunner(database, WorkerCommand("dag-file-processor"), secrets, secrets, LogFolder,
            TimeSpan.FromSeconds(Config.GetDouble("core", "dagbag_import_timeout") + 60), logger);
    }

    /// <summary>A local executor whose workers are served by <paramref name="service"/>.</summary>
    public LocalExecutor NewLocalExecutor(int slots, TaskExecutionService service, WorkerCommand? command = null, string name = LocalExecutor.DefaultName)
    {
        ArgumentNullException.ThrowIfNull(service);
        return new LocalExecutor(command ?? WorkerCommand(), slots, LogFolder, Environment.Time, service, service.Tokens.Issue, name);
    }

    private IgnoreSyntax IgnoreSyntax => Config.Get("core", "dag_ignore_file_syntax").Trim().ToUpperInvariant() switch
    {
        "GLOB" => IgnoreSyntax.Glob,
        "REGEXP" => IgnoreSyntax.Regexp,
        var other => throw new ConfigException($"[core] dag_ignore_file_syntax must be regexp or glob, found '{other.ToLowerInvariant()}'."),
    };

    private DagBag LoadBag() => NewLoader().Load(DagFolders);

    public static string Bool(bool value) => value ? "True" : "False";

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
