using Updraft.Core.Configuration;

namespace Updraft.Core.Tests.Configuration;

public sealed class UpdraftConfigTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "updraft-config-" + Guid.NewGuid().ToString("N"));

    public void Dispose() => Directory.Delete(_home, recursive: true);

    private UpdraftConfig Load(params (string Key, string Value)[] environment) =>
        UpdraftConfig.Load(environment.Append(("UPDRAFT_HOME", _home)).ToDictionary(e => e.Item1, e => e.Item2));

    [Fact]
    public void Load_FirstUse_WritesFileWithDefaultsAndAFernetKey()
    {
        var config = Load();
        Assert.True(File.Exists(Path.Combine(_home, "updraft.cfg")));
        Assert.Equal(Path.Combine(_home, "dags"), config.Get("core", "dags_folder"));
        Assert.Equal(32, config.GetInt("core", "parallelism"));
        Assert.True(config.GetBool("core", "load_examples"));
        var key = config.Get("core", "fernet_key");
        Assert.Equal(32, Convert.FromBase64String(key.Replace('-', '+').Replace('_', '/')).Length);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(config.ConfigPath));
        }
    }

    [Fact]
    public void Load_SecondUse_KeepsTheSameKey()
    {
        var first = Load().Get("core", "fernet_key");
        Assert.Equal(first, Load().Get("core", "fernet_key"));
    }

    [Fact]
    public void Get_EnvironmentVariable_OverridesFile()
    {
        var config = Load(("UPDRAFT__CORE__PARALLELISM", "4"));
        Assert.Equal(4, config.GetInt("core", "parallelism"));
        Assert.Equal("env var UPDRAFT__CORE__PARALLELISM", config.Lookup("core", "parallelism").Source);
    }

    [Fact]
    public void Get_CmdVariantForSensitiveKey_RunsTheCommand()
    {
        File.Delete(Path.Combine(Directory.CreateDirectory(_home).FullName, "updraft.cfg"));
        File.WriteAllText(Path.Combine(_home, "updraft.cfg"), "[database]\n");
        var config = Load(("UPDRAFT__DATABASE__CONNECTION_CMD", "echo postgresql://u:p@db/x"));
        Assert.Equal("postgresql://u:p@db/x", config.Get("database", "connection"));
    }

    [Fact]
    public void Get_PlainValueBeatsCmdVariant()
    {
        var config = Load(("UPDRAFT__CORE__FERNET_KEY", "plain"), ("UPDRAFT__CORE__FERNET_KEY_CMD", "echo from-command"));
        Assert.Equal("plain", config.Get("core", "fernet_key"));
    }

    [Fact]
    public void Get_CmdVariantForOrdinaryKey_Ignored()
    {
        var config = Load(("UPDRAFT__CORE__PARALLELISM_CMD", "echo 7"));
        Assert.Equal(32, config.GetInt("core", "parallelism"));
    }

    [Fact]
    public void Get_FailingCommand_ErrorNamesKeyNotOutput()
    {
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(_home).FullName, "updraft.cfg"), "[core]\nfernet_key_cmd = echo topsecret; exit 3\n");
        var error = Assert.Throws<ConfigException>(() => Load().Get("core", "fernet_key"));
        Assert.Equal("The command for [core] fernet_key failed with exit code 3.", error.Message);
    }

    [Fact]
    public void GetBool_NotABoolean_SaysWhichKey()
    {
        var error = Assert.Throws<ConfigException>(() => Load(("UPDRAFT__CORE__LOAD_EXAMPLES", "maybe")).GetBool("core", "load_examples"));
        Assert.Equal("[core] load_examples must be True or False, found 'maybe'.", error.Message);
    }

    [Fact]
    public void Get_UnknownKey_Rejected() =>
        Assert.Equal("The configuration has no key [core] nope.", Assert.Throws<ConfigException>(() => Load().Get("core", "nope")).Message);

    [Fact]
    public void Load_BrokenFile_ReportsFileAndLine()
    {
        File.WriteAllText(Path.Combine(Directory.CreateDirectory(_home).FullName, "updraft.cfg"), "[core]\nthis is not a setting\n");
        var error = Assert.Throws<ConfigException>(() => Load());
        Assert.Contains("updraft.cfg:2: expected 'key = value'", error.Message);
    }

    [Fact]
    public void List_MarksSensitiveKeys()
    {
        var entries = Load().List().ToList();
        Assert.True(entries.Single(e => e.Key == "fernet_key").Sensitive);
        Assert.False(entries.Single(e => e.Key == "dags_folder").Sensitive);
    }
}
