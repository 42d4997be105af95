using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Updraft.Core.Configuration;

/// <summary>
/// The effective configuration: <c>$UPDRAFT_HOME/updraft.cfg</c> (written with defaults on first use),
/// overridden by <c>UPDRAFT__SECTION__KEY</c> environment variables. Sensitive keys may also come from a
/// command: <c>UPDRAFT__SECTION__KEY_CMD</c> in the environment or <c>key_cmd</c> in the file.
/// Precedence, as Airflow's: env &gt; env _CMD &gt; file &gt; file _cmd &gt; default.
/// </summary>
public sealed class UpdraftConfig
{
    public const string EnvPrefix = "UPDRAFT__";

    private readonly IniDocument _file;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly Dictionary<(string, string), (string Value, string Source)> _commandCache = [];

    private UpdraftConfig(string home, string path, IniDocument file, IReadOnlyDictionary<string, string> environment)
    {
        Home = home;
        ConfigPath = path;
        _file = file;
        _environment = environment;
    }

    public string Home { get; }

    public string ConfigPath { get; }

    /// <summary>
    /// Reads the configuration for <paramref name="environment"/>: <c>UPDRAFT_HOME</c> (default <c>~/updraft</c>)
    /// and <c>UPDRAFT_CONFIG</c> (default <c>$UPDRAFT_HOME/updraft.cfg</c>) locate it; a missing file is created.
    /// </summary>
    public static UpdraftConfig Load(IReadOnlyDictionary<string, string> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var home = environment.TryGetValue("UPDRAFT_HOME", out var h) && h.Length > 0
            ? Path.GetFullPath(h)
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), "updraft");
        var path = environment.TryGetValue("UPDRAFT_CONFIG", out var c) && c.Length > 0 ? Path.GetFullPath(c) : Path.Combine(home, "updraft.cfg");
        try
        {
            if (!File.Exists(path))
            {
                WriteDefaultFile(path, home);
            }

            return new UpdraftConfig(home, path, IniDocument.Parse(File.ReadAllText(path), path), environment);
        }
        catch (IOException e)
        {
            throw new ConfigException($"Cannot read or create the configuration file {path}: {e.Message}");
        }
        catch (UnauthorizedAccessException e)
        {
            throw new ConfigException($"Cannot read or create the configuration file {path}: {e.Message}");
        }
    }

    public string Get(string section, string key) => Lookup(section, key).Value;

    public bool GetBool(string section, string key)
    {
        var value = Get(section, key).Trim();
        return value.ToUpperInvariant() switch
        {
            "TRUE" or "T" or "1" or "YES" => true,
            "FALSE" or "F" or "0" or "NO" => false,
            _ => throw new ConfigException($"[{section}] {key} must be True or False, found '{value}'."),
        };
    }

    public int GetInt(string section, string key)
    {
        var value = Get(section, key).Trim();
        return int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new ConfigException($"[{section}] {key} must be a whole number, found '{value}'.");
    }

    public double GetDouble(string section, string key)
    {
        var value = Get(section, key).Trim();
        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var result)
            ? result
            : throw new ConfigException($"[{section}] {key} must be a number, found '{value}'.");
    }

    /// <summary>The effective value and where it came from (env var, command, file, default).</summary>
    public (string Value, string Source) Lookup(string section, string key)
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(key);
        var option = ConfigDefaults.Find(section, key);
        var sensitive = option?.Sensitive ?? false;
        var envName = $"{EnvPrefix}{section.ToUpperInvariant()}__{key.ToUpperInvariant()}";
        if (_environment.TryGetValue(envName, out var fromEnv))
        {
            return (Expand(fromEnv), $"env var {envName}");
        }

        if (sensitive && _environment.TryGetValue(envName + "_CMD", out var envCommand))
        {
            return RunCached(section, key, envCommand, $"env var {envName}_CMD");
        }

        if (_file.TryGet(section, key, out var fromFile))
        {
            return (Expand(fromFile), ConfigPath);
        }

        if (sensitive && _file.TryGet(section, key + "_cmd", out var fileCommand))
        {
            return RunCached(section, key, fileCommand, $"{ConfigPath} ({key}_cmd)");
        }

        if (option is not null)
        {
            return (Expand(option.Default), "default");
        }

        throw new ConfigException($"The configuration has no key [{section}] {key}.");
    }

    /// <summary>Every known key plus any extra ones in the file, with effective values and sources.</summary>
    public IEnumerable<ConfigEntry> List()
    {
        var seen = new HashSet<(string, string)>();
        foreach (var option in ConfigDefaults.All)
        {
            seen.Add((option.Section, option.Key));
            var (value, source) = Lookup(option.Section, option.Key);
            yield return new ConfigEntry(option.Section, option.Key, value, source, option.Sensitive);
        }

        foreach (var section in _file.Sections)
        {
            foreach (var (key, _) in _file.Keys(section))
            {
                if (seen.Add((section.ToLowerInvariant(), key.ToLowerInvariant())) && !key.EndsWith("_cmd", StringComparison.OrdinalIgnoreCase))
                {
                    var (value, source) = Lookup(section, key);
                    yield return new ConfigEntry(section, key, value, source, false);
                }
            }
        }
    }

    /// <summary>A new Fernet key: 32 random bytes, URL-safe base64, as Python's <c>Fernet.generate_key()</c>.</summary>
    public static string GenerateFernetKey() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).Replace('+', '-').Replace('/', '_');

    private string Expand(string value) => value.Replace("{UPDRAFT_HOME}", Home, StringComparison.Ordinal);

    private (string, string) RunCached(string section, string key, string command, string source)
    {
        if (!_commandCache.TryGetValue((section, key), out var cached))
        {
            cached = (RunCommand(section, key, command), source);
            _commandCache[(section, key)] = cached;
        }

        return cached;
    }

    private static string RunCommand(string section, string key, string command)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(command);
        using var process = Process.Start(start) ?? throw new ConfigException($"Cannot run the command for [{section}] {key}.");
        var output = process.StandardOutput.ReadToEndAsync();
        process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new ConfigException($"The command for [{section}] {key} did not finish within 60 seconds.");
        }

        // The output is a secret: the error names the key and exit code only.
        return process.ExitCode == 0
            ? output.Result.TrimEnd('\n', '\r')
            : throw new ConfigException($"The command for [{section}] {key} failed with exit code {process.ExitCode}.");
    }

    private static void WriteDefaultFile(string path, string home)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var text = new StringBuilder();
        text.Append("# Updraft configuration. Every key can be overridden by UPDRAFT__SECTION__KEY.\n");
        text.Append("# {UPDRAFT_HOME} stands for ").Append(home).Append(".\n");
        foreach (var section in ConfigDefaults.All.GroupBy(o => o.Section))
        {
            text.Append('\n').Append('[').Append(section.Key).Append("]\n");
            foreach (var option in section)
            {
                var value = (option.Section, option.Key) switch
                {
                    ("core", "fernet_key") => GenerateFernetKey(),
                    ("api_auth", "jwt_secret") => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
                    _ => option.Default,
                };
                text.Append("# ").Append(option.Description).Append('\n');
                text.Append(option.Key).Append(" = ").Append(value).Append('\n');
            }
        }

        var temp = path + ".tmp";
        File.WriteAllText(temp, text.ToString());
        if (!OperatingSystem.IsWindows())
        {
            // The file holds the Fernet key and the token signing secret.
            File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }

        File.Move(temp, path, overwrite: false);
    }
}
