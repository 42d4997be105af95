using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Configuration;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Dags.Discovery;
using Updraft.Dags.Loading;
using Updraft.Execution.Testing;

namespace Updraft.Cli.Hosting;

/// <summary>What commands share: the configuration and the DAG bag, each loaded on first use.</summary>
public sealed class CliContext(CliEnvironment environment)
{
    private UpdraftConfig? _config;
    private DagBag? _bag;

    public CliEnvironment Environment { get; } = environment;

    public UpdraftConfig Config => _config ??= UpdraftConfig.Load(Environment.Variables);

    public DagDefaults Defaults => DagDefaults.FromConfig(Config);

    /// <summary>The folder the example DAGs ship in, beside the binary.</summary>
    public static string ExamplesFolder => Path.Combine(AppContext.BaseDirectory, "example_dags");

    public string DagsFolder => Config.Get("core", "dags_folder");

    public DagBag Bag => _bag ??= LoadBag();

    /// <summary>Variables and connections from this invocation's <c>UPDRAFT_VAR_*</c> and <c>UPDRAFT_CONN_*</c>.</summary>
    public EnvironmentSecrets Secrets => new(Environment.Variables);

    public LoadedDag GetDag(string dagId) => Bag.GetDag(dagId);

    /// <summary>An in-process DAG tester that prints task logs to this invocation's output.</summary>
    public DagTester NewDagTester(bool honorRetryDelay = false) => new(new DagTestOptions
    {
        Defaults = Defaults,
        TimeProvider = Environment.Time,
        Log = new ConsoleTaskLogSink(Environment.Out),
        Variables = Secrets,
        Connections = Secrets,
        HonorRetryDelay = honorRetryDelay,
    });

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

    private DagBag LoadBag()
    {
        var dagsFolder = DagsFolder;
        Directory.CreateDirectory(dagsFolder);
        var folders = new List<string> { dagsFolder };
        if (Config.GetBool("core", "load_examples"))
        {
            folders.Add(ExamplesFolder);
        }

        var syntax = Config.Get("core", "dag_ignore_file_syntax").Trim().ToUpperInvariant() switch
        {
            "GLOB" => IgnoreSyntax.Glob,
            "REGEXP" => IgnoreSyntax.Regexp,
            var other => throw new ConfigException($"[core] dag_ignore_file_syntax must be regexp or glob, found '{other.ToLowerInvariant()}'."),
        };
        var loader = new DagBagLoader(new DagBagOptions
        {
            CacheDirectory = Path.Combine(Config.Home, "cache", "dags"),
            Defaults = Defaults,
            ImportTimeout = TimeSpan.FromSeconds(Config.GetDouble("core", "dagbag_import_timeout")),
            IgnoreSyntax = syntax,
        });
        return loader.Load(folders);
    }

    public static string Bool(bool value) => value ? "True" : "False";

    public static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);
}
