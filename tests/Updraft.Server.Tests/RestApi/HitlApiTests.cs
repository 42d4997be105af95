using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging.Abstractions;
using Updraft.Core.States;
using Updraft.Scheduling.Tests;
using Updraft.Scheduling.Triggering;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Server.Tests.RestApi;

/// <summary>
/// Human-in-the-loop tasks through the whole orchestrator: a worker asks and defers, a person answers over the REST
/// API, the triggerer resumes the task and the answer flows downstream; answering twice, too late, or with an option
/// that is not offered is refused. SQLite and PostgreSQL.
/// </summary>
public abstract class HitlApiTests : IAsyncLifetime
{
    private RestApiServer _api = null!;

    protected abstract string? DatabaseUri { get; }

    public async Task InitializeAsync()
    {
        _api = await RestApiServer.StartAsync(DatabaseUri);
        _api.Orchestra.WriteDag("approve.cs", Orchestra.DagSource("approve", """
            var ask = dag.Approval("sign_off", "Publish the {{ ds }} report?").With(t => { t.Body = "Numbers are in."; t.PollInterval = TimeSpan.FromMilliseconds(100); });
            var pick = dag.HumanChoice("pick", "Which region?", ["emea", "apac", "amer"]).With(t =>
            {
                t.Params = new JsonObject { ["note"] = "none" };
                t.PollInterval = TimeSpan.FromMilliseconds(100);
            });
            var publish = dag.Task("publish", ctx => ctx.Log.Info("published"));
            dag.Task("use", pick, (JsonObject answer) => $"{answer["chosen_options"]![0]} by {answer["responded_by"]} note {answer["params_input"]!["note"]}");
            ask.Then(publish);
            """));
        _api.Orchestra.WriteDag("late.cs", Orchestra.DagSource("late", """
            dag.HumanChoice("decide", "Go?", ["yes", "no"]).With(t => { t.Defaults = ["no"]; t.ResponseTimeout = TimeSpan.FromSeconds(1); t.PollInterval = TimeSpan.FromMilliseconds(100); });
            """));
        _api.Orchestra.WriteDag("entry.cs", Orchestra.DagSource("entry", """
            var limits = dag.HumanEntry("limits", "Limits for {{ ds }}", new JsonObject { ["rows"] = 10, ["note"] = "none" }).With(t => t.PollInterval = TimeSpan.FromMilliseconds(100));
            dag.Task("apply", limits, (JsonObject answer) =>
                $"{answer["params_input"]!["rows"]} rows, note {answer["params_input"]!["note"]}, {answer["chosen_options"]![0]} by {answer["responded_by"]} at {answer["responded_at"]}");
            """));
        await _api.Orchestra.ProcessAsync();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task APersonAnswersThroughTheApi_TheTaskResumes_AndTheAnswerFlowsDownstream_ARejectSkipsDownstream()
    {
        var o = _api.Orchestra;
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("approve");
        await WaitForAsync(async () => await StateAsync("approve", run.RunId, "pick") == TaskInstanceState.Deferred && await StateAsync("approve", run.RunId, "sign_off") == TaskInstanceState.Deferred, engine);

        var viewer = await _api.AsAsync("viewer");
        var open = await JsonAsync(await viewer.GetAsync("api/v2/hitlDetails/?dag_id=approve&response_received=false"));
        Assert.Equal(2, (int)open["total_entries"]!);
        var signOff = await JsonAsync(await viewer.GetAsync($"api/v2/hitlDetails/approve/{run.RunId}/sign_off"));
        Assert.Equal($"Publish the {run.RunId[8..18]} report?", (string?)signOff["subject"]);
        Assert.Equal(["Approve", "Reject"], signOff["options"]!.AsArray().Select(o => (string?)o));
        Assert.Equal("deferred", (string?)signOff["task_instance"]!["state"]);
        Assert.False((bool)signOff["response_received"]!);

        var user = await _api.AsAsync("user");
        using (var bad = await user.PatchAsJsonAsync($"api/v2/hitlDetails/approve/{run.RunId}/pick", new { chosen_options = new[] { "mars" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Contains("Chosen options [mars] are not valid: choose one of [emea, apac, amer]", (string?)(await JsonAsync(bad))["detail"]);
        }

        using (var two = await user.PatchAsJsonAsync($"api/v2/hitlDetails/approve/{run.RunId}/pick", new { chosen_options = new[] { "emea", "apac" } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, two.StatusCode);
        }

        using (var answered = await user.PatchAsJsonAsync($"api/v2/hitlDetails/approve/{run.RunId}/pick", new { chosen_options = new[] { "apac" }, params_input = new { note = "rush" } }))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            var body = await JsonAsync(answered);
            Assert.Equal("user", (string?)body["responded_by"]!["name"]);
            Assert.Equal("apac", (string?)body["chosen_options"]![0]);
        }

        using (var again = await user.PatchAsJsonAsync($"api/v2/hitlDetails/approve/{run.RunId}/pick", new { chosen_options = new[] { "emea" } }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("has already been updated", (string?)(await JsonAsync(again))["detail"]);
        }

        using (var reject = await user.PatchAsJsonAsync($"api/v2/hitlDetails/approve/{run.RunId}/sign_off", new { chosen_options = new[] { "Reject" } }))
        {
            Assert.Equal(HttpStatusCode.OK, reject.StatusCode);
        }

        var triggerer = NewTriggerer(o);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            await o.RunToCompletionAsync(engine, executor);
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }

        var tis = await o.TasksAsync("approve", run.RunId);
        Assert.Equal(
            (TaskInstanceState.Success, TaskInstanceState.Success, TaskInstanceState.Skipped, TaskInstanceState.Success),
            (tis["sign_off"].State, tis["pick"].State, tis["publish"].State, tis["use"].State));
        Assert.Equal(1, tis["pick"].TryNumber);
        var used = await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("approve", run.RunId, "use", -1, "return_value"));
        Assert.Equal("\"apac by user note rush\"", used);
        Assert.Contains("user answered: Reject", o.ReadLog("approve", run.RunId, "sign_off", 1));
        var done = await JsonAsync(await (await _api.AsAsync("viewer")).GetAsync($"api/v2/hitlDetails/approve/{run.RunId}/pick"));
        Assert.True((bool)done["response_received"]!);
        Assert.Equal("user", (string?)done["responded_by_user"]!["name"]);
    }

    [Fact]
    public async Task AnEntry_APersonEntersValues_WhoWhatAndWhenAreRecorded_AndFlowDownstream()
    {
        var o = _api.Orchestra;
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("entry");
        await WaitForAsync(async () => await StateAsync("entry", run.RunId, "limits") == TaskInstanceState.Deferred, engine);

        var viewer = await _api.AsAsync("viewer");
        var question = await JsonAsync(await viewer.GetAsync($"api/v2/hitlDetails/entry/{run.RunId}/limits"));
        Assert.Equal(["OK"], question["options"]!.AsArray().Select(o => (string?)o));
        Assert.Equal(["OK"], question["defaults"]!.AsArray().Select(o => (string?)o));
        Assert.Equal("{\"rows\":10,\"note\":\"none\"}", question["params"]!.ToJsonString());
        Assert.Null(question["responded_at"]);

        var before = TimeProvider.System.GetUtcNow();
        DateTimeOffset respondedAt;
        using (var answered = await (await _api.AsAsync("user")).PatchAsJsonAsync($"api/v2/hitlDetails/entry/{run.RunId}/limits", new { chosen_options = new[] { "OK" }, params_input = new { rows = 25 } }))
        {
            Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
            var body = await JsonAsync(answered);
            respondedAt = DateTimeOffset.Parse((string)body["responded_at"]!, System.Globalization.CultureInfo.InvariantCulture);
            // The field left out keeps its default.
            Assert.Equal("{\"rows\":25,\"note\":\"none\"}", body["params_input"]!.ToJsonString());
        }

        var after = TimeProvider.System.GetUtcNow();
        // Stored to the microsecond.
        Assert.InRange(respondedAt, before.AddTicks(-10), after);

        var triggerer = NewTriggerer(o);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            await o.RunToCompletionAsync(engine, executor);
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }

        Assert.Equal("success", await o.RunStateAsync("entry", run.RunId));
        var done = await JsonAsync(await viewer.GetAsync($"api/v2/hitlDetails/entry/{run.RunId}/limits"));
        Assert.True((bool)done["response_received"]!);
        Assert.Equal("user", (string?)done["responded_by_user"]!["name"]);
        Assert.Equal(respondedAt, DateTimeOffset.Parse((string)done["responded_at"]!, System.Globalization.CultureInfo.InvariantCulture));
        var xcoms = new DatabaseXComStore(o.Database, TimeProvider.System);
        var result = JsonNode.Parse((await xcoms.GetAsync(new("entry", run.RunId, "limits", -1, "return_value")))!)!;
        Assert.Equal(("user", respondedAt), ((string?)result["responded_by"], DateTimeOffset.Parse((string)result["responded_at"]!, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal(
            $"25 rows, note none, OK by user at {Core.Runtime.Iso.Format(respondedAt)}",
            JsonNode.Parse((await xcoms.GetAsync(new("entry", run.RunId, "apply", -1, "return_value")))!)!.GetValue<string>());
    }

    [Fact]
    public async Task NobodyAnswersInTime_TheDefaultsAreTakenAndRecorded_ALateAnswerIsRefused()
    {
        var o = _api.Orchestra;
        var (engine, executor) = o.NewScheduler();
        var run = await o.TriggerAsync("late");
        var triggerer = NewTriggerer(o);
        await triggerer.StartAsync(CancellationToken.None);
        try
        {
            await o.RunToCompletionAsync(engine, executor);
        }
        finally
        {
            await triggerer.StopAsync(CancellationToken.None);
        }

        Assert.Equal("success", await o.RunStateAsync("late", run.RunId));
        var xcom = JsonNode.Parse((await new DatabaseXComStore(o.Database, TimeProvider.System).GetAsync(new("late", run.RunId, "decide", -1, "return_value")))!)!;
        Assert.Equal("no", (string?)xcom["chosen_options"]![0]);
        Assert.Null(xcom["responded_by"]);
        Assert.Contains("Nobody answered in time; the defaults were taken: no", o.ReadLog("late", run.RunId, "decide", 1));

        using var tooLate = await (await _api.AsAsync("user")).PatchAsJsonAsync($"api/v2/hitlDetails/late/{run.RunId}/decide", new { chosen_options = new[] { "yes" } });
        Assert.Equal(HttpStatusCode.Conflict, tooLate.StatusCode);
        Assert.Contains("was answered by its defaults when it timed out", (string?)(await JsonAsync(tooLate))["detail"]);

        using var missing = await (await _api.AsAsync("user")).PatchAsJsonAsync($"api/v2/hitlDetails/late/{run.RunId}/nope", new { chosen_options = new[] { "yes" } });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        using var denied = await (await _api.AsAsync("viewer")).PatchAsJsonAsync($"api/v2/hitlDetails/late/{run.RunId}/decide", new { chosen_options = new[] { "yes" } });
        Assert.Equal(HttpStatusCode.Forbidden, denied.StatusCode);
    }

    private static Triggerer NewTriggerer(Orchestra o) => new(
        o.Database,
        o.Context.TriggerKwargs,
        new TriggererOptions { PollInterval = TimeSpan.FromMilliseconds(100), LogFolder = o.LogFolder },
        TimeProvider.System,
        NullLogger<Triggerer>.Instance);

    private async Task<TaskInstanceState?> StateAsync(string dagId, string runId, string taskId) =>
        (await new TaskInstanceStore(_api.Orchestra.Database).GetAsync(new TaskInstanceKey(dagId, runId, taskId)))?.State;

    private static async Task WaitForAsync(Func<Task<bool>> done, Scheduling.Scheduling.SchedulerEngine engine)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!await done())
        {
            await engine.RunOnceAsync(limit.Token);
            await Task.Delay(50, limit.Token);
        }
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
}

public sealed class SqliteHitlApiTests : HitlApiTests
{
    protected override string? DatabaseUri => null;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresHitlApiTests(PostgresServer server) : HitlApiTests
{
    protected override string? DatabaseUri => server.CreateDatabase();
}
