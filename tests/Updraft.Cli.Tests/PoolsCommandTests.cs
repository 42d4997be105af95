using System.Text.Json.Nodes;

namespace Updraft.Cli.Tests;

public sealed class PoolsCommandTests : IDisposable
{
    private readonly CliRunner _cli = new(loadExamples: false);

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Pools_SetListExportDeleteImport()
    {
        Assert.Equal(0, (await _cli.RunAsync("pools", "set", "warehouse", "3", "queries against the warehouse")).Exit);
        var rows = JsonNode.Parse((await _cli.RunAsync("pools", "list", "-o", "json")).Out)!.AsArray();
        Assert.Equal(["default_pool", "warehouse"], rows.Select(r => r!["pool"]!.GetValue<string>()));
        Assert.Equal("128", rows[0]!["slots"]!.GetValue<string>());
        Assert.Equal("3", JsonNode.Parse((await _cli.RunAsync("pools", "get", "warehouse", "-o", "json")).Out)![0]!["slots"]!.GetValue<string>());

        var file = Path.Combine(_cli.Home, "pools.json");
        await _cli.RunAsync("pools", "export", file);
        Assert.Equal(0, (await _cli.RunAsync("pools", "delete", "warehouse")).Exit);
        Assert.Equal(1, (await _cli.RunAsync("pools", "get", "warehouse")).Exit);
        await _cli.RunAsync("pools", "import", file);
        Assert.Equal(0, (await _cli.RunAsync("pools", "get", "warehouse")).Exit);
    }

    [Fact]
    public async Task Pools_IncludeDeferred_SetListedExportedAndImported()
    {
        Assert.Equal(0, (await _cli.RunAsync("pools", "set", "triggers", "4", "deferrable work", "--include-deferred")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("pools", "set", "plain", "2")).Exit);
        var rows = JsonNode.Parse((await _cli.RunAsync("pools", "list", "-o", "json")).Out)!.AsArray();
        Assert.Equal([("default_pool", "False", "0"), ("plain", "False", "0"), ("triggers", "True", "0")], rows.Select(r => (r!["pool"]!.GetValue<string>(), r["include_deferred"]!.GetValue<string>(), r["deferred_slots"]!.GetValue<string>())));

        var file = Path.Combine(_cli.Home, "pools.json");
        await _cli.RunAsync("pools", "export", file);
        Assert.True(JsonNode.Parse(await File.ReadAllTextAsync(file))!["triggers"]!["include_deferred"]!.GetValue<bool>());
        Assert.Equal(0, (await _cli.RunAsync("pools", "set", "triggers", "4")).Exit);
        Assert.Equal("False", JsonNode.Parse((await _cli.RunAsync("pools", "get", "triggers", "-o", "json")).Out)![0]!["include_deferred"]!.GetValue<string>());
        Assert.Equal(0, (await _cli.RunAsync("pools", "import", file)).Exit);
        Assert.Equal("True", JsonNode.Parse((await _cli.RunAsync("pools", "get", "triggers", "-o", "json")).Out)![0]!["include_deferred"]!.GetValue<string>());

        await File.WriteAllTextAsync(file, """{"bad": {"slots": 1, "include_deferred": "yes"}}""");
        var (exit, _, error) = await _cli.RunAsync("pools", "import", file);
        Assert.Equal(1, exit);
        Assert.StartsWith($"Error: Pool 'bad' in {file}: \"include_deferred\" must be true or false, got string.", error);
    }

    [Theory]
    [InlineData(new[] { "pools", "delete", "default_pool" }, "Error: The default pool (default_pool) cannot be deleted.")]
    [InlineData(new[] { "pools", "set", "p", "-1" }, "Error: A pool's slots must be 0 or more, got -1.")]
    [InlineData(new[] { "pools", "get", "nope" }, "Error: Pool 'nope' not found.")]
    public async Task BadInput_OneLineError(string[] args, string message)
    {
        var (exit, _, error) = await _cli.RunAsync(args);
        Assert.Equal(1, exit);
        Assert.StartsWith(message, error);
    }

    [Fact]
    public async Task DefaultPool_SizedFromConfigWhenTheDatabaseIsCreated()
    {
        _cli.Environment["UPDRAFT__CORE__DEFAULT_POOL_TASK_SLOT_COUNT"] = "7";
        Assert.Equal(0, (await _cli.RunAsync("db", "migrate")).Exit);
        Assert.Equal("7", JsonNode.Parse((await _cli.RunAsync("pools", "get", "default_pool", "-o", "json")).Out)![0]!["slots"]!.GetValue<string>());
    }
}
