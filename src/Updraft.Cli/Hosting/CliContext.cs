using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Configuration;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Secrets;
using Updraft.Dags.Discovery;
using Updraft.Dags.Loading;
using Updraft.Execution.Testing;
using Updraft.Scheduling.Executors;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Hosting;

/// <summary>What commands share: the configuration and the DAG bag, each loaded on first use.</summary>
public sealed class CliContext(CliEnvironment environment)
{
    private UpdraftConfig? _config;
    private DagBag? _bag;
    private MetadataDatabase? _database;

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
        return new(new DagTestOptions
        {
            Defaults = Defaults,
            TimeProvider = Environment.Time,
            Log = new TextTaskLogSink(Environment.Out),
            Variables = secrets,
            Connections = secrets,
            HonorRetryDelay = honorRetryDelay,
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

    public MetadataDatabase Database => _database ??= MetadataDatabase.FromUri(Config.Get("database", "connection"));

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

    /// <summary>Creates or upgrades the database; a new one gets its default pool sized by <c>[core] default_pool_task_slot_count</c>.</summary>
    public async Task<int> MigrateAsync(CancellationToken cancellationToken = default)
    {
        var migrator = new Migrator(Database, Environment.Time);
        var created = await migrator.CurrentVersionAsync(cancellationToken) == 0;
        var applied = await migrator.MigrateAsync(cancellationToken);
        if (created)
        {
            await new PoolStore(Database).SetAsync(PoolStore.DefaultPool, Config.GetInt("core", "default_pool_task_slot_count"), "Default pool", cancellationToken);
        }

        return applied;
    }

    public DagBagLoader NewLoader() => new(new DagBagOptions
    {
        CacheDirectory = Path.Combine(Config.Home, "cache", "dags"),
        Defaults = Defaults,
        ImportTimeout = TimeSpan.FromSeconds(Config.GetDouble("core", "dagbag_import_timeout")),
        IgnoreSyntax = IgnoreSyntax,
    });

    /// <summary>How the local executor starts worker processes of this same installation, with this invocation's settings.</summary>
    public WorkerCommand WorkerCommand()
    {
        var host = System.Environment.ProcessPath ?? "dotnet";
        var viaDotnet = Path.GetFileNameWithoutExtension(host) == "dotnet";
        var arguments = viaDotnet ? new[] { typeof(CliContext).Assembly.Location, "worker-process" } : ["worker-process"];
        var environment = Environment.Variables
            .Where(v => v.Key.StartsWith("UPDRAFT", StringComparison.Ordinal))
            .ToDictionary(v => v.Key, v => v.Value, StringComparer.Ordinal);
        environment["UPDRAFT_HOME"] = Config.Home;
        return new WorkerCommand(host, arguments, environment);
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
