using System.Net;
using System.Text.Json.Nodes;
using Updraft.Scheduling.Tests;
using Updraft.Server.Tests.RestApi;
using Updraft.Storage.Stores;

namespace Updraft.Server.Tests.Ui;

/// <summary>The graph's data route (<c>GET /ui/graph/{dag_id}</c>) and the docs route (<c>GET /ui/docs/{dag_id}</c>).</summary>
public sealed class GraphApiTests : IAsyncLifetime
{
    private RestApiServer _api = null!;

    public async Task InitializeAsync()
    {
        _api = await RestApiServer.StartAsync(null);
        _api.Orchestra.WriteDag("grouped.cs", Orchestra.DagSource("grouped", """
            var start = dag.Task("start", ctx => new[] { 1, 2, 3 });
            dag.Group("load", group =>
            {
                var each = dag.Map("each", start, (int n) => n == 2 ? throw new InvalidOperationException("two") : n).With(t => t.Retries = 0);
                var done = dag.Empty("done").With(t => t.TriggerRule = TriggerRule.AllDone);
                each.Then(done);
            });
            dag.GetTask("load.done").Then(dag.Empty("end"));
            """, "DocMd = \"Read [the guide](https://example.com/guide) or [this](javascript:alert(1)).\\n\\n| a | b |\\n|---|---|\\n| 1 | 2 |\""));
        await _api.Orchestra.ProcessAsync();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static Dictionary<string, JsonNode> Nodes(JsonNode graph) => graph["nodes"]!.AsArray().ToDictionary(n => (string)n!["id"]!, n => n!);

    [Fact]
    public async Task TheGraph_CollapsesGroupsUnlessExpanded_EdgesGoLeftToRight_AndBoxesColourByTheRun()
    {
        await new DagStore(_api.Orchestra.Database).SetPausedAsync("grouped", false);
        var run = await _api.Orchestra.TriggerAsync("grouped", "first");
        var (engine, executor) = _api.Orchestra.NewScheduler();
        await _api.Orchestra.RunToCompletionAsync(engine, executor);
        var viewer = await _api.AsAsync("viewer");

        // Collapsed: the group is one box between start and end.
        var graph = JsonNode.Parse(await viewer.GetStringAsync("ui/graph/grouped"))!;
        Assert.Equal(run.RunId, (string?)graph["run_id"]);
        var nodes = Nodes(graph);
        Assert.Equal(["end", "group:load", "start"], nodes.Keys.Order(StringComparer.Ordinal));
        Assert.Equal([("group:load", "end"), ("start", "group:load")], graph["edges"]!.AsArray().Select(e => ((string)e!["from"]!, (string)e["to"]!)).Order());
        Assert.True((double)nodes["start"]["x"]! < (double)nodes["group:load"]["x"]! && (double)nodes["group:load"]["x"]! < (double)nodes["end"]["x"]!);
        Assert.Equal("failed", (string?)nodes["group:load"]["state"]);
        Assert.Equal(1, (int)nodes["group:load"]["counts"]!["failed"]!);
        Assert.False((bool)nodes["group:load"]["expanded"]!);

        // Expanded: its tasks inside its box, the edges reaching into it; every edge starts at its source's right side
        // and ends at its target's left side.
        graph = JsonNode.Parse(await viewer.GetStringAsync("ui/graph/grouped?expanded=group:load"))!;
        nodes = Nodes(graph);
        Assert.Equal(["end", "group:load", "load.done", "load.each", "start"], nodes.Keys.Order(StringComparer.Ordinal));
        var box = nodes["group:load"];
        Assert.True((bool)box["expanded"]!);
        foreach (var inner in new[] { "load.each", "load.done" })
        {
            var n = nodes[inner];
            Assert.True((double)n["x"]! >= (double)box["x"]! && (double)n["x"]! + (double)n["width"]! <= (double)box["x"]! + (double)box["width"]!, inner);
            Assert.True((double)n["y"]! >= (double)box["y"]! && (double)n["y"]! + (double)n["height"]! <= (double)box["y"]! + (double)box["height"]!, inner);
        }

        Assert.Equal("failed", (string?)nodes["load.each"]["state"]);
        Assert.True((bool)nodes["load.each"]["mapped"]!);
        foreach (var edge in graph["edges"]!.AsArray())
        {
            var from = nodes[(string)edge!["from"]!];
            var to = nodes[(string)edge["to"]!];
            var points = edge["points"]!.AsArray();
            Assert.Equal((double)from["x"]! + (double)from["width"]!, (double)points[0]![0]!, 0.5);
            Assert.Equal((double)to["x"]!, (double)points[^1]![0]!, 0.5);
        }

        Assert.Contains(graph["edges"]!.AsArray(), e => (string?)e!["from"] == "start" && (string?)e["to"] == "load.each");
        Assert.Equal(0, (int)graph["crossings"]!);
    }

    [Fact]
    public async Task TheGraph_FollowsPermissions_AndSaysWhatIsMissing()
    {
        var team = await _api.AsAsync("team");
        Assert.Equal(HttpStatusCode.OK, (await team.GetAsync("ui/graph/alpha")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await team.GetAsync("ui/graph/beta")).StatusCode);
        var viewer = await _api.AsAsync("viewer");
        using var missingDag = await viewer.GetAsync("ui/graph/nope");
        Assert.Equal(HttpStatusCode.NotFound, missingDag.StatusCode);
        using var missingRun = await viewer.GetAsync("ui/graph/alpha?run_id=nope");
        Assert.Equal(HttpStatusCode.NotFound, missingRun.StatusCode);
        Assert.Contains("nope", (string?)JsonNode.Parse(await missingRun.Content.ReadAsStringAsync())!["detail"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheDocs_AreMarkdownAsHtml_WithScriptLinksDisarmed()
    {
        var viewer = await _api.AsAsync("viewer");
        var docs = JsonNode.Parse(await viewer.GetStringAsync("ui/docs/grouped"))!;
        var html = (string)docs["doc_html"]!;
        Assert.Contains("<a href=\"https://example.com/guide\">the guide</a>", html, StringComparison.Ordinal);
        Assert.DoesNotContain("javascript:", html, StringComparison.Ordinal);
        Assert.Contains("<table>", html, StringComparison.Ordinal);
        Assert.Null(JsonNode.Parse(await viewer.GetStringAsync("ui/docs/beta"))!["doc_html"]);
    }
}
