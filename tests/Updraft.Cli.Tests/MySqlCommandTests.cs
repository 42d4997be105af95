using Updraft.Tests.Shared;

namespace Updraft.Cli.Tests;

/// <summary>The CLI on a real MariaDB server: 'updraft db', other commands, and the clear errors a user meets there.</summary>
[Collection(MariaDbCollection.Name)]
public sealed class MySqlCommandTests(MariaDbServer server) : IDisposable
{
    private readonly CliRunner _cli = new(loadExamples: false);

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task DbMigrateCheckReset_OnMariaDb()
    {
        _cli.Environment["UPDRAFT__DATABASE__CONNECTION"] = server.CreateDatabase().Replace("mysql://", "mysql+mysqlconnector://", StringComparison.Ordinal) + "?charset=utf8mb4";
        var check = await _cli.RunAsync("db", "check");
        Assert.NotEqual(0, check.Exit);
        Assert.Contains("run 'updraft db migrate'", check.Error);

        Assert.Equal(0, (await _cli.RunAsync("db", "migrate")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("db", "check")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("db", "reset", "--yes")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("db", "check")).Exit);

        // The other commands work on the database as on the other dialects.
        Assert.Equal(0, (await _cli.RunAsync("pools", "set", "etl", "3", "ETL jobs")).Exit);
        var list = await _cli.RunAsync("pools", "list", "-o", "json");
        Assert.Equal(0, list.Exit);
        Assert.Contains("\"etl\"", list.Out);
        Assert.Contains("\"default_pool\"", list.Out);
        Assert.Equal(0, (await _cli.RunAsync("variables", "set", "Key", "ünïcode 🚀")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("variables", "set", "key", "lower")).Exit);
        Assert.Equal("ünïcode 🚀", (await _cli.RunAsync("variables", "get", "Key")).Out.Trim());
        Assert.Equal("lower", (await _cli.RunAsync("variables", "get", "key")).Out.Trim());
    }

    [Fact]
    public async Task WrongPasswordAndWrongCharset_OneLineWithoutPassword()
    {
        _cli.Environment["UPDRAFT__DATABASE__CONNECTION"] = server.CreateDatabase().Replace(MariaDbServer.Password, "Wr0ngS3cret", StringComparison.Ordinal);
        var denied = await _cli.RunAsync("db", "migrate");
        Assert.NotEqual(0, denied.Exit);
        Assert.Contains("Access denied", denied.Error);
        Assert.DoesNotContain("Wr0ngS3cret", denied.Error);
        Assert.Single(denied.Error.Trim().Split('\n'));

        _cli.Environment["UPDRAFT__DATABASE__CONNECTION"] = server.CreateDatabase("latin1");
        var lossy = await _cli.RunAsync("db", "migrate");
        Assert.NotEqual(0, lossy.Exit);
        Assert.Contains("uses character set latin1", lossy.Error);
        Assert.Single(lossy.Error.Trim().Split('\n'));
    }
}
