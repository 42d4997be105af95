using System.Net;
using System.Text.Json.Nodes;
using Updraft.Scheduling.Tests;
using Updraft.Server.Tests.RestApi;
using Updraft.Storage.Stores;

namespace Updraft.Server.Tests.Ui;

/// <summary>The grid's data route (<c>GET /ui/grid/{dag_id}</c>): groups and mapped tasks summarised per run, and the REST API's permissions.</summary>
public sealed class GridApiTests : IAsyncLifetime
{
    private RestApiServer _api = null!;

    public async Task InitializeAsync() => _api = await RestApiServer.StartAsync(null);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task TheGrid_ShowsRunsOldestFirst_TasksUnderTheirGroups_AndMappedTasksAndGroupsSummarised()
    {
        _api.Orchestra.WriteDag("grouped.cs", Orchestra.DagSource("grouped", """
            var start = dag.Task("start", ctx => new[] { 1, 2, 3 });
            dag.Group("load", group =>
            {
                var each = dag.Map("each", start, (int n) => n == 2 ? throw new InvalidOperationException("two") : n).With(t => t.Retries = 0);
                var done = dag.Empty("done").With(t => t.TriggerRule = TriggerRule.AllDone);
                each.Then(done);
            });
            """));
        await _api.Orchestra.ProcessAsync();
        await new DagStore(_api.Orchestra.Database).SetPausedAsync("grouped", false);
        var first = await _api.Orchestra.TriggerAsync("grouped", "first");
        var second = await _api.Orchestra.TriggerAsync("grouped", "second");
        var (engine, executor) = _api.Orchestra.NewScheduler();
        await _api.Orchestra.RunToCompletionAsync(engine, executor);

        var viewer = await _api.AsAsync("viewer");
        var grid = JsonNode.Parse(await viewer.GetStringAsync("ui/grid/grouped"))!;
        Assert.Equal([first.RunId, second.RunId], grid["runs"]!.AsArray().Select(r => (string?)r!["dag_run_id"]));
        // The leaf runs on all done, so the runs succeed though a mapped instance failed.
        Assert.All(grid["runs"]!.AsArray(), r => Assert.Equal("success", (string?)r!["state"]));

        var nodes = grid["nodes"]!.AsArray().ToDictionary(n => (string)n!["id"]!, n => n!);
        Assert.Equal(["start", "group:load", "load.each", "load.done"], grid["nodes"]!.AsArray().Select(n => (string?)n!["id"]));
        Assert.Equal(("group", (string?)null, 0), ((string?)nodes["group:load"]["kind"], (string?)nodes["group:load"]["parent"], (int)nodes["group:load"]["depth"]!));
        Assert.Equal(("each", "group:load", 1, true), ((string?)nodes["load.each"]["label"], (string?)nodes["load.each"]["parent"], (int)nodes["load.each"]["depth"]!, (bool)nodes["load.each"]["mapped"]!));

        // The mapped task: failed stands for it (one of three failed); its counts say so. The group: failed too, with all four instances counted.
        Assert.Equal("failed", (string?)nodes["load.each"]["states"]![0]);
        Assert.Equal(2, (int)nodes["load.each"]["counts"]![0]!["success"]!);
        Assert.Equal(1, (int)nodes["load.each"]["counts"]![0]!["failed"]!);
        Assert.Equal("failed", (string?)nodes["group:load"]["states"]![1]);
        Assert.Equal(3, (int)nodes["group:load"]["counts"]![1]!["success"]!);
        Assert.Equal("success", (string?)nodes["start"]["states"]![0]);
        Assert.Null(nodes["start"]["counts"]);
    }

    [Fact]
    public async Task RecentRuns_AreTheLatestOfEachDag_OnlyOfDagsTheCallerMayRead()
    {
        for (var i = 0; i < 12; i++)
        {
            await _api.Orchestra.TriggerAsync("beta", $"b{i:00}");
        }

        var viewer = await _api.AsAsync("viewer");
        var recent = JsonNode.Parse(await viewer.GetStringAsync("ui/recent-runs?dag_ids=beta,alpha&limit=10"))!["dag_runs"]!;
        Assert.Equal(10, recent["beta"]!.AsArray().Count);
        Assert.Equal("b11", (string?)recent["beta"]![0]!["dag_run_id"]);
        Assert.Equal(["r1"], recent["alpha"]!.AsArray().Select(r => (string?)r!["dag_run_id"]));

        var team = await _api.AsAsync("team");
        var own = JsonNode.Parse(await team.GetStringAsync("ui/recent-runs?dag_ids=beta,alpha"))!["dag_runs"]!.AsObject();
        Assert.Equal(["alpha"], own.Select(p => p.Key));
    }

    [Fact]
    public async Task TheGrid_FollowsTheRestApisPermissions_AndSaysWhenTheDagIsMissing()
    {
        using var anonymous = await _api.Anonymous.GetAsync("ui/grid/alpha");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);

        var team = await _api.AsAsync("team");
        Assert.Equal(HttpStatusCode.OK, (await team.GetAsync("ui/grid/alpha")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await team.GetAsync("ui/grid/beta")).StatusCode);

        using var missing = await (await _api.AsAsync("viewer")).GetAsync("ui/grid/nope");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Contains("nope", (string?)JsonNode.Parse(await missing.Content.ReadAsStringAsync())!["detail"], StringComparison.Ordinal);
    }
}
