using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Updraft.Core.States;
using Updraft.Server.Security;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Server.Tests.RestApi;

/// <summary>
/// The REST API (<c>/api/v2</c>) over real HTTP, on each database: every response is checked against the schema of
/// Airflow's published OpenAPI document; paging, ordering, filters, dry runs, log tailing and bad input.
/// </summary>
public abstract class RestApiTests : IAsyncLifetime
{
    private RestApiServer _api = null!;

    protected abstract string? DatabaseUri { get; }

    public async Task InitializeAsync() => _api = await RestApiServer.StartAsync(DatabaseUri, testConnection: true);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task Token_RightPassword_201_WrongOne_401_ThenThrottled()
    {
        using var ok = await _api.Anonymous.PostAsJsonAsync("auth/token", new { username = "admin", password = RestApiServer.Password });
        Assert.Equal(HttpStatusCode.Created, ok.StatusCode);
        AirflowSchemas.AssertMatches("LoginResponse", await Json(ok));

        for (var i = 0; i < LoginThrottle.MaxFailures; i++)
        {
            using var wrong = await _api.Anonymous.PostAsJsonAsync("auth/token", new { username = "viewer", password = "nope" });
            Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
            Assert.Equal("Invalid credentials", (await Json(wrong))["detail"]!.GetValue<string>());
        }

        // Even the right password is refused while the account is throttled.
        using var throttled = await _api.Anonymous.PostAsJsonAsync("auth/token", new { username = "viewer", password = RestApiServer.Password });
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.NotNull(throttled.Headers.RetryAfter);
        Assert.True((await new UserStore(_api.Orchestra.Database).GetAsync("viewer"))!.FailLoginCount >= LoginThrottle.MaxFailures);
    }

    [Fact]
    public async Task NoToken_401_BadToken_401_ExpiredToken_401()
    {
        using var none = await _api.Anonymous.GetAsync("api/v2/dags");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Not authenticated", (await Json(none))["detail"]!.GetValue<string>());

        var foreign = new UserTokens("another-secret", TimeSpan.FromHours(1), TimeProvider.System).Issue("admin");
        Assert.Equal("Invalid token", await DetailWithTokenAsync(foreign, HttpStatusCode.Unauthorized));

        var expired = new UserTokens(_api.JwtSecret, TimeSpan.FromHours(1), new ShiftedTime(TimeSpan.FromHours(-2))).Issue("admin");
        Assert.Equal("Token expired", await DetailWithTokenAsync(expired, HttpStatusCode.Unauthorized));

        // A rotated secret: tokens of the old one are still accepted while it is listed.
        var rotated = new UserTokens($"new-secret,{_api.JwtSecret}", TimeSpan.FromHours(1), TimeProvider.System);
        Assert.Equal(("admin", ""), await rotated.ValidateAsync(new UserTokens(_api.JwtSecret, TimeSpan.FromHours(1), TimeProvider.System).Issue("admin")));
    }

    [Fact]
    public async Task SessionCookie_LoginReadsChangesNeedCsrf_LogoutEnds()
    {
        var cookies = new CookieContainer();
        using var handler = new HttpClientHandler { CookieContainer = cookies };
        using var browser = new HttpClient(handler) { BaseAddress = _api.Server.Address };
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.PostAsJsonAsync("auth/login", new { username = "user", password = "wrong" })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsJsonAsync("auth/login", new { username = "user", password = RestApiServer.Password })).StatusCode);
        var session = cookies.GetCookies(_api.Server.Address)["updraft_session"]!;
        Assert.True(session.HttpOnly);
        var csrf = cookies.GetCookies(_api.Server.Address)["updraft_csrf"]!.Value;

        Assert.Equal(HttpStatusCode.OK, (await browser.GetAsync("api/v2/dags")).StatusCode);
        Assert.Contains("CSRF", await ExpectAsync(browser.PatchAsJsonAsync("api/v2/dags/alpha", new { is_paused = true }), HttpStatusCode.Forbidden), StringComparison.Ordinal);
        Assert.False((await new DagStore(_api.Orchestra.Database).GetAsync("alpha"))!.IsPaused);
        using var change = new HttpRequestMessage(HttpMethod.Patch, "api/v2/dags/alpha") { Content = JsonContent.Create(new { is_paused = true }) };
        change.Headers.Add("X-CSRF-Token", csrf);
        Assert.Equal(HttpStatusCode.OK, (await browser.SendAsync(change)).StatusCode);
        Assert.True((await new DagStore(_api.Orchestra.Database).GetAsync("alpha"))!.IsPaused);

        Assert.Equal(HttpStatusCode.NoContent, (await browser.PostAsync("auth/logout", null)).StatusCode);
        Assert.DoesNotContain(cookies.GetCookies(_api.Server.Address), c => c.Name == "updraft_session" && c.Value.Length > 0);
        Assert.Equal(HttpStatusCode.Unauthorized, (await browser.GetAsync("api/v2/dags")).StatusCode);
    }

    [Fact]
    public async Task Dags_ListGetDetailsTasksSourcePatch_MatchAirflow()
    {
        var admin = await _api.AsAsync("admin");
        var list = await GetJsonAsync(admin, "api/v2/dags");
        AirflowSchemas.AssertMatches("DAGCollectionResponse", list);
        Assert.Equal(["alpha", "beta"], Ids(list, "dags", "dag_id"));
        Assert.Equal(2, list["total_entries"]!.GetValue<int>());

        var page = await GetJsonAsync(admin, "api/v2/dags?limit=1&offset=1&order_by=-dag_id");
        Assert.Equal(["alpha"], Ids(page, "dags", "dag_id"));
        Assert.Equal(2, page["total_entries"]!.GetValue<int>());
        Assert.Equal(["beta"], Ids(await GetJsonAsync(admin, "api/v2/dags?dag_id_pattern=et"), "dags", "dag_id"));

        var alpha = await GetJsonAsync(admin, "api/v2/dags/alpha");
        AirflowSchemas.AssertMatches("DAGResponse", alpha);
        Assert.Equal("sales", alpha["tags"]![0]!["name"]!.GetValue<string>());
        AirflowSchemas.AssertMatches("DAGDetailsResponse", await GetJsonAsync(admin, "api/v2/dags/alpha/details"));
        var tasks = await GetJsonAsync(admin, "api/v2/dags/alpha/tasks");
        AirflowSchemas.AssertMatches("TaskCollectionResponse", tasks);
        Assert.Equal(["a", "b"], Ids(tasks, "tasks", "task_id"));
        AirflowSchemas.AssertMatches("TaskResponse", await GetJsonAsync(admin, "api/v2/dags/alpha/tasks/b"));
        var source = await GetJsonAsync(admin, "api/v2/dagSources/alpha");
        AirflowSchemas.AssertMatches("DAGSourceResponse", source);
        Assert.Contains("dag.Bash(\"a\"", source["content"]!.GetValue<string>(), StringComparison.Ordinal);
        AirflowSchemas.AssertMatches("DAGVersionCollectionResponse", await GetJsonAsync(admin, "api/v2/dags/alpha/dagVersions"));
        AirflowSchemas.AssertMatches("DagVersionResponse", await GetJsonAsync(admin, "api/v2/dags/alpha/dagVersions/1"));
        AirflowSchemas.AssertMatches("ImportErrorCollectionResponse", await GetJsonAsync(admin, "api/v2/importErrors"));

        using var paused = await admin.PatchAsJsonAsync("api/v2/dags/alpha", new { is_paused = true });
        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        AirflowSchemas.AssertMatches("DAGResponse", await Json(paused));
        Assert.True((await new DagStore(_api.Orchestra.Database).GetAsync("alpha"))!.IsPaused);
        Assert.Equal(["alpha"], Ids(await GetJsonAsync(admin, "api/v2/dags?paused=true"), "dags", "dag_id"));

        using var bulk = await admin.PatchAsJsonAsync("api/v2/dags?dag_id_pattern=a", new { is_paused = false });
        Assert.Equal(["alpha", "beta"], Ids(await Json(bulk), "dags", "dag_id"));
        Assert.False((await new DagStore(_api.Orchestra.Database).GetAsync("alpha"))!.IsPaused);

        Assert.Equal(["alpha"], Ids(await GetJsonAsync(admin, "api/v2/dags?tags=sales&tags=nothing"), "dags", "dag_id"));
        Assert.Empty((await GetJsonAsync(admin, "api/v2/dags?tags=sales&tags=nothing&tags_match_mode=all"))["dags"]!.AsArray());
        Assert.Equal(["alpha"], Ids(await GetJsonAsync(admin, "api/v2/dags?last_dag_run_state=running"), "dags", "dag_id"));
        var tags = await GetJsonAsync(admin, "api/v2/dagTags");
        AirflowSchemas.AssertMatches("DAGTagCollectionResponse", tags);
        Assert.Equal("sales", tags["tags"]![0]!.GetValue<string>());
        var stats = await GetJsonAsync(admin, "api/v2/dagStats?dag_ids=alpha");
        AirflowSchemas.AssertMatches("DagStatsCollectionResponse", stats);
        Assert.Equal(1, stats["dags"]![0]!["stats"]!.AsArray().Single(x => x!["state"]!.GetValue<string>() == "running")!["count"]!.GetValue<int>());

        var events = await GetJsonAsync(admin, "api/v2/eventLogs?dag_id=alpha&event=api_pause");
        AirflowSchemas.AssertMatches("EventLogCollectionResponse", events);
        Assert.Equal("admin", events["event_logs"]![0]!["owner"]!.GetValue<string>());
        AirflowSchemas.AssertMatches("EventLogResponse", await GetJsonAsync(admin, $"api/v2/eventLogs/{events["event_logs"]![0]!["event_log_id"]}"));

        await ExpectAsync(admin.GetAsync("api/v2/dags/missing"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task DagRuns_TriggerListGetClear_WithRulesAndDryRun()
    {
        var user = await _api.AsAsync("user");
        using var triggered = await user.PostAsJsonAsync("api/v2/dags/alpha/dagRuns", new { dag_run_id = "api_run", logical_date = "2025-03-01T00:00:00Z", conf = new { rows = 5 } });
        Assert.Equal(HttpStatusCode.OK, triggered.StatusCode);
        var run = await Json(triggered);
        AirflowSchemas.AssertMatches("DAGRunResponse", run);
        Assert.Equal(("api_run", "queued", "manual", 5), (run["dag_run_id"]!.GetValue<string>(), run["state"]!.GetValue<string>(), run["run_type"]!.GetValue<string>(), run["conf"]!["rows"]!.GetValue<int>()));

        // Taken run id, bad conf, unknown field: refused, nothing created.
        Assert.Contains("api_run", await ExpectAsync(user.PostAsJsonAsync("api/v2/dags/alpha/dagRuns", new { dag_run_id = "api_run", logical_date = (string?)null }), HttpStatusCode.Conflict), StringComparison.Ordinal);
        Assert.Contains("rows", await ExpectAsync(user.PostAsJsonAsync("api/v2/dags/alpha/dagRuns", new { dag_run_id = "bad_conf", logical_date = (string?)null, conf = new { rows = 500 } }), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        var unknown = await ExpectAsync(user.PostAsJsonAsync("api/v2/dags/alpha/dagRuns", new { dag_run_id = "extra", logical_date = (string?)null, colour = "red" }), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("extra_forbidden", unknown, StringComparison.Ordinal);
        Assert.Null(await new DagRunStore(_api.Orchestra.Database).GetAsync("alpha", "bad_conf"));
        Assert.Null(await new DagRunStore(_api.Orchestra.Database).GetAsync("alpha", "extra"));

        var runs = await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns?order_by=-logical_date&limit=1");
        AirflowSchemas.AssertMatches("DAGRunCollectionResponse", runs);
        Assert.Equal(2, runs["total_entries"]!.GetValue<int>());
        Assert.Single(runs["dag_runs"]!.AsArray());
        Assert.Equal(["r1"], Ids(await GetJsonAsync(user, "api/v2/dags/~/dagRuns?state=running"), "dag_runs", "dag_run_id"));
        using var batch = await user.PostAsJsonAsync("api/v2/dags/~/dagRuns/list", new { dag_ids = new[] { "alpha" }, states = new[] { "queued" } });
        Assert.Equal(["api_run"], Ids(await Json(batch), "dag_runs", "dag_run_id"));
        AirflowSchemas.AssertMatches("DAGRunResponse", await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns/r1"));
        await ExpectAsync(user.GetAsync("api/v2/dags/alpha/dagRuns/nope"), HttpStatusCode.NotFound);

        using var dry = await user.PostAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/clear", new { dry_run = true });
        var preview = await Json(dry);
        AirflowSchemas.AssertMatches("TaskInstanceCollectionResponse", preview);
        Assert.Equal(["a", "b"], Ids(preview, "task_instances", "task_id"));
        Assert.Equal("success", (await _api.Orchestra.TasksAsync("alpha", "r1"))["a"].State.ToWireName());

        using var cleared = await user.PostAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/clear", new { dry_run = false });
        AirflowSchemas.AssertMatches("DAGRunResponse", await Json(cleared));
        Assert.Equal("none", (await _api.Orchestra.TasksAsync("alpha", "r1"))["a"].State.ToWireName());

        // Marked by hand: its task instances follow, the wait route reports the end, then the run is deleted.
        using var marked = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/api_run", new { state = "success" });
        AirflowSchemas.AssertMatches("DAGRunResponse", await Json(marked));
        Assert.All((await _api.Orchestra.TasksAsync("alpha", "api_run")).Values, ti => Assert.Equal(TaskInstanceState.Success, ti.State));
        Assert.Equal("{\"state\":\"success\",\"results\":{\"a\":null}}\n", await user.GetStringAsync("api/v2/dags/alpha/dagRuns/api_run/wait?interval=0.1&result=a"));
        await ExpectAsync(user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/api_run", new { state = "running" }), HttpStatusCode.UnprocessableEntity);
        await ExpectAsync(user.GetAsync("api/v2/dags/alpha/dagRuns/api_run/wait"), HttpStatusCode.UnprocessableEntity);
        Assert.Equal(HttpStatusCode.NoContent, (await user.DeleteAsync("api/v2/dags/alpha/dagRuns/api_run")).StatusCode);
        await ExpectAsync(user.GetAsync("api/v2/dags/alpha/dagRuns/api_run"), HttpStatusCode.NotFound);
        Assert.Empty(await _api.Orchestra.TasksAsync("alpha", "api_run"));

        // A paused DAG is not triggered: the answer says so.
        await (await _api.AsAsync("admin")).PatchAsJsonAsync("api/v2/dags/beta", new { is_paused = true });
        Assert.Contains("paused", await ExpectAsync(user.PostAsJsonAsync("api/v2/dags/beta/dagRuns", new { logical_date = (string?)null }), HttpStatusCode.Conflict), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Backfills_DryRunCreateListGetPauseUnpauseCancel_WithRules()
    {
        var user = await _api.AsAsync("user");
        var body = new { dag_id = "beta", from_date = "2025-01-01T00:00:00Z", to_date = "2025-01-03T00:00:00Z", max_active_runs = 2 };
        using var dry = await user.PostAsJsonAsync("api/v2/backfills/dry_run", body);
        var preview = await Json(dry);
        AirflowSchemas.AssertMatches("DryRunBackfillCollectionResponse", preview);
        Assert.Equal(
            ["2025-01-01T00:00:00+00:00", "2025-01-02T00:00:00+00:00", "2025-01-03T00:00:00+00:00"],
            preview["backfills"]!.AsArray().Select(b => b!["logical_date"]!.GetValue<string>()));
        Assert.Empty(await new DagRunStore(_api.Orchestra.Database).ListAsync("beta"));

        using var created = await user.PostAsJsonAsync("api/v2/backfills", body);
        var backfill = await Json(created);
        Assert.Equal(HttpStatusCode.OK, created.StatusCode);
        AirflowSchemas.AssertMatches("BackfillResponse", backfill);
        var id = backfill["id"]!.GetValue<long>();
        Assert.Equal((false, "none", 2), (backfill["is_paused"]!.GetValue<bool>(), backfill["reprocess_behavior"]!.GetValue<string>(), backfill["max_active_runs"]!.GetValue<int>()));
        Assert.Null(backfill["completed_at"]);
        var runs = await GetJsonAsync(user, "api/v2/dags/beta/dagRuns?run_type=backfill&order_by=logical_date");
        Assert.Equal(3, runs["total_entries"]!.GetValue<int>());
        Assert.All(runs["dag_runs"]!.AsArray(), r => Assert.Equal(("queued", "backfill"), (r!["state"]!.GetValue<string>(), r["triggered_by"]!.GetValue<string>())));

        // One at a time per DAG; bad requests answered with Airflow's statuses, nothing created.
        Assert.Contains("only one running backfill", await ExpectAsync(user.PostAsJsonAsync("api/v2/backfills", body), HttpStatusCode.Conflict), StringComparison.Ordinal);
        Assert.Contains("must not be after", await ExpectAsync(user.PostAsJsonAsync("api/v2/backfills/dry_run", new { dag_id = "beta", from_date = "2025-02-01T00:00:00Z", to_date = "2025-01-01T00:00:00Z" }), HttpStatusCode.UnprocessableEntity), StringComparison.Ordinal);
        Assert.Contains("future dates", await ExpectAsync(user.PostAsJsonAsync("api/v2/backfills/dry_run", new { dag_id = "beta", from_date = "2999-01-01T00:00:00Z", to_date = "2999-02-01T00:00:00Z" }), HttpStatusCode.UnprocessableEntity), StringComparison.Ordinal);
        Assert.Contains("non-periodic", await ExpectAsync(user.PostAsJsonAsync("api/v2/backfills/dry_run", new { dag_id = "alpha", from_date = "2025-01-01T00:00:00Z", to_date = "2025-01-03T00:00:00Z" }), HttpStatusCode.UnprocessableEntity), StringComparison.Ordinal);
        Assert.Contains("reprocess_behavior", await ExpectAsync(user.PostAsJsonAsync("api/v2/backfills/dry_run", new { dag_id = "beta", from_date = "2025-01-01T00:00:00Z", to_date = "2025-01-03T00:00:00Z", reprocess_behavior = "sometimes" }), HttpStatusCode.UnprocessableEntity), StringComparison.Ordinal);
        Assert.Contains("to_date", await ExpectAsync(user.PostAsJsonAsync("api/v2/backfills", new { dag_id = "beta", from_date = "2025-01-01T00:00:00Z" }), HttpStatusCode.UnprocessableEntity), StringComparison.Ordinal);
        await ExpectAsync(user.PostAsJsonAsync("api/v2/backfills", new { dag_id = "nope", from_date = "2025-01-01T00:00:00Z", to_date = "2025-01-03T00:00:00Z" }), HttpStatusCode.NotFound);
        Assert.Single((await new BackfillStore(_api.Orchestra.Database).QueryAsync(null, new())).Items);

        var list = await GetJsonAsync(user, "api/v2/backfills?dag_id=beta");
        AirflowSchemas.AssertMatches("BackfillCollectionResponse", list);
        Assert.Equal(1, list["total_entries"]!.GetValue<int>());
        AirflowSchemas.AssertMatches("BackfillResponse", await GetJsonAsync(user, $"api/v2/backfills/{id}"));
        await ExpectAsync(user.GetAsync("api/v2/backfills/999"), HttpStatusCode.NotFound);
        await ExpectAsync(user.GetAsync("api/v2/backfills/abc"), HttpStatusCode.UnprocessableEntity);

        // Permissions follow the backfill's DAG: a role that reads only alpha does not see it; a viewer cannot change it.
        var team = await _api.AsAsync("team");
        Assert.Equal(0, (await GetJsonAsync(team, "api/v2/backfills"))["total_entries"]!.GetValue<int>());
        await ExpectAsync(team.GetAsync($"api/v2/backfills/{id}"), HttpStatusCode.NotFound);
        await ExpectAsync((await _api.AsAsync("viewer")).PutAsync($"api/v2/backfills/{id}/pause", null), HttpStatusCode.Forbidden);

        using var paused = await user.PutAsync($"api/v2/backfills/{id}/pause", null);
        Assert.True((await Json(paused))["is_paused"]!.GetValue<bool>());
        using var unpaused = await user.PutAsync($"api/v2/backfills/{id}/unpause", null);
        Assert.False((await Json(unpaused))["is_paused"]!.GetValue<bool>());
        using var cancelled = await user.PutAsync($"api/v2/backfills/{id}/cancel", null);
        var done = await Json(cancelled);
        AirflowSchemas.AssertMatches("BackfillResponse", done);
        Assert.NotNull(done["completed_at"]);
        Assert.All((await new DagRunStore(_api.Orchestra.Database).ListAsync("beta")), r => Assert.Equal(DagRunState.Failed, r.State));
        Assert.Equal("Backfill is already completed.", JsonNode.Parse(await ExpectAsync(user.PutAsync($"api/v2/backfills/{id}/pause", null), HttpStatusCode.Conflict))!["detail"]!.GetValue<string>());
        Assert.Single((await new EventLogStore(_api.Orchestra.Database, TimeProvider.System).QueryAsync(["beta"], "api_cancel_backfill", "user", new())).Items);
    }

    [Fact]
    public async Task Notes_OnRunsAndTaskInstances_SetOnTriggerAndPatch()
    {
        var user = await _api.AsAsync("user");
        using var triggered = await user.PostAsJsonAsync("api/v2/dags/alpha/dagRuns", new { dag_run_id = "noted", logical_date = (string?)null, note = "first look" });
        Assert.Equal("first look", (await Json(triggered))["note"]!.GetValue<string>());

        using var patched = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1", new { note = "checked by ops" });
        var run = await Json(patched);
        AirflowSchemas.AssertMatches("DAGRunResponse", run);
        Assert.Equal(("checked by ops", "running"), (run["note"]!.GetValue<string>(), run["state"]!.GetValue<string>()));
        using var removed = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1?update_mask=note", new { note = (string?)null });
        Assert.Null((await Json(removed))["note"]);
        await ExpectAsync(user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1", new { note = new string('n', 1001) }), HttpStatusCode.UnprocessableEntity);

        using var tiNote = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/a", new { note = "slow today" });
        var tis = await Json(tiNote);
        AirflowSchemas.AssertMatches("TaskInstanceCollectionResponse", tis);
        Assert.Equal(("slow today", "success"), (tis["task_instances"]![0]!["note"]!.GetValue<string>(), tis["task_instances"]![0]!["state"]!.GetValue<string>()));
        Assert.Equal("slow today", (await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns/r1/taskInstances/a"))["note"]!.GetValue<string>());
        Assert.Equal("user", (await new TaskInstanceStore(_api.Orchestra.Database).GetAsync(new("alpha", "r1", "a")))!.NoteUser);

        // update_mask names exactly what changes: the note only, although the body also gives a state.
        using var masked = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/a?update_mask=note", new { note = "only this", new_state = "failed" });
        Assert.Equal(HttpStatusCode.OK, masked.StatusCode);
        var after = await _api.Orchestra.TasksAsync("alpha", "r1");
        Assert.Equal(("only this", TaskInstanceState.Success), (after["a"].Note, after["a"].State));
    }

    [Fact]
    public async Task MarkAndClear_WithIncludePast_ReachEarlierRuns()
    {
        var user = await _api.AsAsync("user");
        using var earlier = await user.PostAsJsonAsync("api/v2/dags/alpha/dagRuns", new { dag_run_id = "earlier", logical_date = "2025-01-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.OK, earlier.StatusCode);

        using var preview = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/a/dry_run", new { new_state = "failed", include_past = true });
        var selected = await Json(preview);
        AirflowSchemas.AssertMatches("TaskInstanceCollectionResponse", selected);
        Assert.Equal(["earlier", "r1"], selected["task_instances"]!.AsArray().Select(t => t!["dag_run_id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(TaskInstanceState.Success, (await _api.Orchestra.TasksAsync("alpha", "r1"))["a"].State);

        // Without include_past only this run's task instance; with include_future nothing later exists.
        using var alone = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/a/dry_run", new { new_state = "failed", include_future = true });
        Assert.Equal(["r1"], (await Json(alone))["task_instances"]!.AsArray().Select(t => t!["dag_run_id"]!.GetValue<string>()));

        using var marked = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/a", new { new_state = "failed", include_past = true });
        Assert.Equal(2, (await Json(marked))["total_entries"]!.GetValue<int>());
        Assert.Equal(TaskInstanceState.Failed, (await _api.Orchestra.TasksAsync("alpha", "earlier"))["a"].State);

        using var cleared = await user.PostAsJsonAsync("api/v2/dags/alpha/clearTaskInstances", new { dag_run_id = "r1", task_ids = new[] { "a" }, include_past = true, dry_run = true });
        Assert.Equal(["earlier", "r1"], (await Json(cleared))["task_instances"]!.AsArray().Select(t => t!["dag_run_id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task ConnectionTest_UsesTheConnection_PasswordNeverInTheAnswer()
    {
        var op = await _api.AsAsync("op");
        async Task<(bool Status, string Message)> TestAsync(object body)
        {
            using var response = await op.PostAsJsonAsync("api/v2/connections/test", body);
            var json = await Json(response);
            Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToJsonString());
            AirflowSchemas.AssertMatches("ConnectionTestResponse", json);
            return (json["status"]!.GetValue<bool>(), json["message"]!.GetValue<string>());
        }

        // HTTP: the API server itself answers its version route, and 404 elsewhere.
        var address = _api.Server.Address;
        Assert.Equal((true, "Connection successfully tested"), await TestAsync(new { connection_id = "self", conn_type = "http", host = $"{address.Host}/api/v2/version", port = address.Port }));
        Assert.Equal((false, "404:Not Found"), await TestAsync(new { connection_id = "self", conn_type = "http", host = $"{address.Host}/nothing-here", port = address.Port }));

        // SQLite: a database file that exists, and one that does not.
        var file = Path.Combine(_api.Orchestra.Home, "probe.db");
        await using (var sqlite = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={file}"))
        {
            await sqlite.OpenAsync();
        }

        Assert.Equal((true, "Connection successfully tested"), await TestAsync(new { connection_id = "probe", conn_type = "sqlite", host = file }));
        Assert.False((await TestAsync(new { connection_id = "probe", conn_type = "sqlite", host = file + ".missing" })).Status);
        // A saved connection's password is used for its own host only: pointed elsewhere, the test gets none.
        using (var saved = await op.PostAsJsonAsync("api/v2/connections", new { connection_id = "guarded", conn_type = "http", host = "127.0.0.1", port = address.Port, login = "u", password = "Stored-Secret-42" }))
        {
            Assert.Equal(HttpStatusCode.Created, saved.StatusCode);
        }

        var seen = new List<string>();
        using var listener = new System.Net.HttpListener();
        var free = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        free.Start();
        var probePort = ((IPEndPoint)free.LocalEndpoint).Port;
        free.Stop();
        listener.Prefixes.Add($"http://127.0.0.1:{probePort}/");
        listener.Start();
        var serve = Task.Run(async () =>
        {
            var call = await listener.GetContextAsync();
            seen.Add(call.Request.Headers["Authorization"] ?? "");
            call.Response.StatusCode = 200;
            call.Response.Close();
        });
        Assert.True((await TestAsync(new { connection_id = "guarded", conn_type = "http", host = "127.0.0.1", port = probePort, login = "u", password = "***" })).Status);
        await serve;
        Assert.Equal("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("u:")), Assert.Single(seen));

        Assert.Equal(
            (false, "Testing connections of type 'ftp' is not supported yet: Updraft can test postgres, sqlite, http and https connections."),
            await TestAsync(new { connection_id = "files", conn_type = "ftp", host = "files.example" }));

        if (DatabaseUri is { } uri)
        {
            // PostgreSQL: the test server with its own credentials, then a database it does not have (the test server
            // trusts local clients, so a wrong password alone would pass); the answer never repeats the password.
            var pg = Core.Connections.Connection.FromUri("pg", uri);
            Assert.Equal((true, "Connection successfully tested"), await TestAsync(new { connection_id = "pg", conn_type = "postgres", host = pg.Host, port = pg.Port, login = pg.Login, password = pg.Password, schema = pg.Schema }));
            const string wrong = "Wr0ng-Secret-77";
            var (status, message) = await TestAsync(new { connection_id = "pg", conn_type = "postgres", host = pg.Host, port = pg.Port, login = pg.Login, password = wrong, schema = "no_such_db" });
            Assert.False(status);
            Assert.Contains("no_such_db", message, StringComparison.Ordinal);
            Assert.DoesNotContain(wrong, message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ParseDagFile_ReparsesAnUnchangedFileOnRequest_DagWarningsNameMissingPools()
    {
        // The DAG's task ids come from a file beside it: changing that file leaves the DAG file's hash as it was, so
        // only a reparse request makes the DAG processor (child processes, a 10-minute interval) build it again.
        var side = Path.Combine(_api.Orchestra.Home, "task-name.txt");
        await File.WriteAllTextAsync(side, "first");
        _api.Orchestra.WriteDag("gamma.cs", $$"""
            public sealed class Gamma : IDagSource
            {
                public IEnumerable<Dag> Build()
                {
                    var dag = new Dag("gamma", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
                    dag.Empty(System.IO.File.ReadAllText(@"{{side}}").Trim());
                    dag.Empty("pooled").Pool = "missing_pool";
                    yield return dag;
                }
            }
            """);
        var context = _api.Orchestra.Context;
        await using var parser = context.NewChildProcessParser();
        using var processor = new Scheduling.Hosting.DagProcessorService(
            new Scheduling.Processing.DagProcessor(parser, context.DagFolders, _api.Orchestra.Database, _api.Orchestra.Context.TriggerKwargs, TimeProvider.System),
            context.DagFolders,
            TimeSpan.FromMinutes(10),
            TimeProvider.System,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Scheduling.Hosting.DagProcessorService>.Instance,
            requests: new DagParsingRequestStore(_api.Orchestra.Database));
        await processor.StartAsync(CancellationToken.None);
        try
        {
            var user = await _api.AsAsync("user");
            Assert.Equal(["first", "pooled"], Ids(await GetJsonAsync(user, "api/v2/dags/gamma/tasks"), "tasks", "task_id").Order(StringComparer.Ordinal));

            var warnings = await GetJsonAsync(user, "api/v2/dagWarnings?dag_id=gamma");
            AirflowSchemas.AssertMatches("DAGWarningCollectionResponse", warnings);
            Assert.Equal(
                ("non-existent pool", "Dag 'gamma' references non-existent pools: 'missing_pool'"),
                (warnings["dag_warnings"]![0]!["warning_type"]!.GetValue<string>(), warnings["dag_warnings"]![0]!["message"]!.GetValue<string>()));
            await ExpectAsync(user.GetAsync("api/v2/dagWarnings?warning_type=colour"), HttpStatusCode.UnprocessableEntity);

            // The missing pool made before the reparse is asked for: that pass sees it and clears the warning. (Made
            // after, it could miss a pass that starts at once, and nothing would parse again for ten minutes.)
            using (var pool = await (await _api.AsAsync("admin")).PostAsJsonAsync("api/v2/pools", new { name = "missing_pool", slots = 1 }))
            {
                Assert.Equal(HttpStatusCode.Created, pool.StatusCode);
            }

            await File.WriteAllTextAsync(side, "second");
            var token = (await GetJsonAsync(user, "api/v2/dags/gamma/details"))["file_token"]!.GetValue<string>();
            await ExpectAsync(user.PutAsync("api/v2/parseDagFile/bm8tc3VjaC1maWxl", null), HttpStatusCode.NotFound);
            await ExpectAsync((await _api.AsAsync("viewer")).PutAsync($"api/v2/parseDagFile/{token}", null), HttpStatusCode.Forbidden);
            using (var asked = await user.PutAsync($"api/v2/parseDagFile/{token}", null))
            {
                Assert.Equal(HttpStatusCode.Created, asked.StatusCode);
                Assert.Equal("null", await asked.Content.ReadAsStringAsync());
            }

            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            // The pass records the DAG, then its warnings: wait for both.
            while (!Ids(await GetJsonAsync(user, "api/v2/dags/gamma/tasks"), "tasks", "task_id").Contains("second")
                || (await GetJsonAsync(user, "api/v2/dagWarnings?dag_id=gamma"))["total_entries"]!.GetValue<int>() != 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), limit.Token);
            }
        }
        finally
        {
            await processor.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task TaskInstances_ListGetTriesLogsMark()
    {
        var user = await _api.AsAsync("user");
        var list = await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns/r1/taskInstances?order_by=-task_id");
        AirflowSchemas.AssertMatches("TaskInstanceCollectionResponse", list);
        Assert.Equal(["b", "a"], Ids(list, "task_instances", "task_id"));
        Assert.Equal(["a"], Ids(await GetJsonAsync(user, "api/v2/dags/~/dagRuns/~/taskInstances?state=success"), "task_instances", "task_id"));
        using var batch = await user.PostAsJsonAsync("api/v2/dags/~/dagRuns/~/taskInstances/list", new { dag_ids = new[] { "alpha" }, task_ids = new[] { "b" } });
        Assert.Equal(["b"], Ids(await Json(batch), "task_instances", "task_id"));

        var a = await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns/r1/taskInstances/a");
        AirflowSchemas.AssertMatches("TaskInstanceResponse", a);
        Assert.Equal(("success", 1, "worker-1"), (a["state"]!.GetValue<string>(), a["try_number"]!.GetValue<int>(), a["hostname"]!.GetValue<string>()));
        var tries = await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns/r1/taskInstances/a/tries");
        AirflowSchemas.AssertMatches("TaskInstanceHistoryCollectionResponse", tries);
        Assert.Single(tries["task_instances"]!.AsArray());
        AirflowSchemas.AssertMatches("TaskInstanceHistoryResponse", await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns/r1/taskInstances/a/tries/1"));

        // The log, then only what was written since (the continuation token), then as plain text.
        var log = await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns/r1/taskInstances/a/logs/1");
        AirflowSchemas.AssertMatches("TaskInstancesLogResponse", log);
        Assert.Equal(["line one", "line two"], log["content"]!.AsArray().Select(l => l!["event"]!.GetValue<string>()));
        await File.AppendAllTextAsync(Scheduling.Logging.TaskLogPaths.For(_api.Orchestra.LogFolder, new TaskInstanceKey("alpha", "r1", "a"), 1), "line three\npartial");
        var tail = await GetJsonAsync(user, $"api/v2/dags/alpha/dagRuns/r1/taskInstances/a/logs/1?token={log["continuation_token"]}");
        // The try has ended, so its last line comes too, newline or not.
        Assert.Equal(["line three", "partial"], tail["content"]!.AsArray().Select(l => l!["event"]!.GetValue<string>()));
        using var plain = new HttpRequestMessage(HttpMethod.Get, "api/v2/dags/alpha/dagRuns/r1/taskInstances/a/logs/1");
        plain.Headers.Accept.ParseAdd("text/plain");
        using var text = await user.SendAsync(plain);
        Assert.Equal("line one\nline two\nline three\npartial", await text.Content.ReadAsStringAsync());
        await ExpectAsync(user.GetAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/a/logs/7"), HttpStatusCode.NotFound);
        await ExpectAsync(user.GetAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/a/logs/1?token=garbage"), HttpStatusCode.BadRequest);

        // Why b does not run: nothing while its run runs and a succeeded; its DAG paused, then that.
        var deps = await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns/r1/taskInstances/b/dependencies");
        AirflowSchemas.AssertMatches("TaskDependencyCollectionResponse", deps);
        Assert.Empty(deps["dependencies"]!.AsArray());
        await (await _api.AsAsync("admin")).PatchAsJsonAsync("api/v2/dags/alpha", new { is_paused = true });
        Assert.Equal(["Dag Not Paused"], Ids(await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns/r1/taskInstances/b/dependencies"), "dependencies", "name"));
        Assert.Contains("Task Instance State", Ids(await GetJsonAsync(user, "api/v2/dags/alpha/dagRuns/r1/taskInstances/a/dependencies"), "dependencies", "name"));

        // Mark: the dry run changes nothing, the real one does; an invalid state is a 422.
        using var preview = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/b/dry_run", new { new_state = "failed" });
        AirflowSchemas.AssertMatches("TaskInstanceCollectionResponse", await Json(preview));
        Assert.Equal("none", (await _api.Orchestra.TasksAsync("alpha", "r1"))["b"].State.ToWireName());
        using var marked = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/b", new { new_state = "failed" });
        var markedRows = await Json(marked);
        AirflowSchemas.AssertMatches("TaskInstanceCollectionResponse", markedRows);
        Assert.Equal(["b"], Ids(markedRows, "task_instances", "task_id"));
        Assert.Equal("failed", (await _api.Orchestra.TasksAsync("alpha", "r1"))["b"].State.ToWireName());

        // With upstream: a (success) would be failed too, b is failed already; the dry run changes nothing.
        using var upstream = await user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/b/dry_run", new { new_state = "failed", include_upstream = true });
        Assert.Equal(["a"], Ids(await Json(upstream), "task_instances", "task_id"));
        Assert.Equal("success", (await _api.Orchestra.TasksAsync("alpha", "r1"))["a"].State.ToWireName());
        await ExpectAsync(user.PatchAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/b", new { new_state = "running" }), HttpStatusCode.UnprocessableEntity);

        using var clearPreview = await user.PostAsJsonAsync("api/v2/dags/alpha/clearTaskInstances", new { dry_run = true, only_failed = true });
        Assert.Equal(["b"], Ids(await Json(clearPreview), "task_instances", "task_id"));
        Assert.Equal("failed", (await _api.Orchestra.TasksAsync("alpha", "r1"))["b"].State.ToWireName());
        using var clear = await user.PostAsJsonAsync("api/v2/dags/alpha/clearTaskInstances", new { dry_run = false, only_failed = true });
        Assert.Equal(["b"], Ids(await Json(clear), "task_instances", "task_id"));
        Assert.Equal("none", (await _api.Orchestra.TasksAsync("alpha", "r1"))["b"].State.ToWireName());
    }

    [Fact]
    public async Task VariablesConnectionsPools_CrudAndBulk_PasswordsNeverReturned()
    {
        var op = await _api.AsAsync("op");
        using var created = await op.PostAsJsonAsync("api/v2/variables", new { key = "region", value = "eu", description = "where" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        AirflowSchemas.AssertMatches("VariableResponse", await Json(created));
        await ExpectAsync(op.PostAsJsonAsync("api/v2/variables", new { key = "region", value = "us" }), HttpStatusCode.Conflict);
        using var patched = await op.PatchAsJsonAsync("api/v2/variables/region", new { key = "region", value = new { a = 1 } });
        Assert.Equal("{\"a\":1}", (await Json(patched))["value"]!.GetValue<string>());
        AirflowSchemas.AssertMatches("VariableCollectionResponse", await GetJsonAsync(op, "api/v2/variables"));
        using var secretVariable = await op.PostAsJsonAsync("api/v2/variables", new { key = "api_key", value = "hunter2" });
        Assert.DoesNotContain("hunter2", await secretVariable.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await op.DeleteAsync("api/v2/variables/region")).StatusCode);
        var audit = (await GetJsonAsync(op, "api/v2/eventLogs?event=patch_variable"))["event_logs"]![0]!;
        Assert.Equal(("op", "{\"variable_key\":\"region\"}"), (audit["owner"]!.GetValue<string>(), audit["extra"]!.GetValue<string>()));
        await ExpectAsync(op.GetAsync("api/v2/variables/region"), HttpStatusCode.NotFound);

        const string password = "p@ss w0rd/+";
        using var connection = await op.PostAsJsonAsync("api/v2/connections", new { connection_id = "warehouse", conn_type = "postgres", host = "db", login = "etl", password, port = 5432, extra = "{\"sslmode\":\"require\",\"secret\":\"x1\"}" });
        Assert.Equal(HttpStatusCode.Created, connection.StatusCode);
        foreach (var body in new[] { await connection.Content.ReadAsStringAsync(), await op.GetStringAsync("api/v2/connections/warehouse"), await op.GetStringAsync("api/v2/connections") })
        {
            Assert.DoesNotContain(password, body, StringComparison.Ordinal);
            Assert.DoesNotContain("x1", body, StringComparison.Ordinal);
        }

        AirflowSchemas.AssertMatches("ConnectionResponse", await GetJsonAsync(op, "api/v2/connections/warehouse"));
        AirflowSchemas.AssertMatches("ConnectionCollectionResponse", await GetJsonAsync(op, "api/v2/connections"));

        // Patching other fields keeps the stored password (the API shows it masked).
        using var moved = await op.PatchAsJsonAsync("api/v2/connections/warehouse?update_mask=host", new { connection_id = "warehouse", conn_type = "postgres", host = "db2" });
        Assert.Equal("db2", (await Json(moved))["host"]!.GetValue<string>());
        var stored = await _api.Services.GetService<SecretStore>()!.ListConnectionsAsync("warehouse");
        Assert.Equal(("db2", password), (stored[0].Host, stored[0].Password));

        using var pool = await op.PostAsJsonAsync("api/v2/pools", new { name = "etl", slots = 4 });
        Assert.Equal(HttpStatusCode.Created, pool.StatusCode);
        AirflowSchemas.AssertMatches("PoolResponse", await Json(pool));
        AirflowSchemas.AssertMatches("PoolCollectionResponse", await GetJsonAsync(op, "api/v2/pools?order_by=-slots"));
        await ExpectAsync(op.DeleteAsync("api/v2/pools/default_pool"), HttpStatusCode.BadRequest);
        await ExpectAsync(op.PostAsJsonAsync("api/v2/pools", new { name = "neg", slots = -1 }), HttpStatusCode.UnprocessableEntity);

        using var bulk = await op.PatchAsJsonAsync("api/v2/pools", new
        {
            actions = new object[]
            {
                new { action = "create", entities = new[] { new { name = "etl", slots = 9 }, new { name = "ml", slots = 2 } } },
                new { action = "delete", entities = new[] { "missing" }, action_on_non_existence = "skip" },
            },
        });
        var result = await Json(bulk);
        AirflowSchemas.AssertMatches("BulkResponse", result);
        Assert.Equal(["ml"], result["create"]!["success"]!.AsArray().Select(s => s!.GetValue<string>()));
        Assert.Equal(409, result["create"]!["errors"]![0]!["status_code"]!.GetValue<int>());
        Assert.Equal(4, (await GetJsonAsync(op, "api/v2/pools/etl"))["slots"]!.GetValue<int>());
    }

    [Fact]
    public async Task XComs_CreateListGetUpdate()
    {
        var op = await _api.AsAsync("op");
        const string Base = "api/v2/dags/alpha/dagRuns/r1/taskInstances/a/xcomEntries";
        using var created = await op.PostAsJsonAsync(Base, new { key = "rows", value = new { count = 3 } });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        AirflowSchemas.AssertMatches("XComResponseNative", await Json(created));
        await ExpectAsync(op.PostAsJsonAsync(Base, new { key = "rows", value = 1 }), HttpStatusCode.Conflict);
        await ExpectAsync(op.PostAsJsonAsync("api/v2/dags/alpha/dagRuns/r1/taskInstances/ghost/xcomEntries", new { key = "rows", value = 1 }), HttpStatusCode.NotFound);

        var list = await GetJsonAsync(op, "api/v2/dags/~/dagRuns/~/taskInstances/~/xcomEntries");
        AirflowSchemas.AssertMatches("XComCollectionResponse", list);
        Assert.Equal(["rows"], Ids(list, "xcom_entries", "key"));
        var native = await GetJsonAsync(op, Base + "/rows");
        AirflowSchemas.AssertMatches("XComResponseNative", native);
        Assert.Equal(3, native["value"]!["count"]!.GetValue<int>());
        Assert.Equal("{\"count\":3}", (await GetJsonAsync(op, Base + "/rows?stringify=true"))["value"]!.GetValue<string>());

        using var updated = await op.PatchAsJsonAsync(Base + "/rows", new { value = "done" });
        Assert.Equal("done", (await Json(updated))["value"]!.GetValue<string>());
        await ExpectAsync(op.PatchAsJsonAsync(Base + "/nothing", new { value = 1 }), HttpStatusCode.NotFound);
        await ExpectAsync(op.GetAsync(Base + "/nothing"), HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task XComs_PlusAnglesAmpersandsAndNonAscii_AreStoredAsRawText_AndReadBackByteIdentical()
    {
        const string Text = "1+1 <b> & café 日本";
        const string Raw = "\"1+1 <b> & café 日本\"";

        // Returned by a task in a worker process: stored through the one XCom serializer.
        _api.Orchestra.WriteDag("texts.cs", Scheduling.Tests.Orchestra.DagSource("texts", $$"""dag.Task("emit", ctx => "{{Text}}");"""));
        await _api.Orchestra.ProcessAsync();
        var run = await _api.Orchestra.TriggerAsync("texts", "t1");
        var (engine, executor) = _api.Orchestra.NewScheduler();
        await _api.Orchestra.RunToCompletionAsync(engine, executor);
        Assert.Equal("success", await _api.Orchestra.RunStateAsync("texts", run.RunId));
        var xcoms = new DatabaseXComStore(_api.Orchestra.Database, TimeProvider.System);
        Assert.Equal(Raw, await xcoms.GetAsync(new("texts", "t1", "emit", -1, "return_value")));

        // Posted through the REST API, as a string and inside an object.
        var op = await _api.AsAsync("op");
        const string Base = "api/v2/dags/texts/dagRuns/t1/taskInstances/emit/xcomEntries";
        using (var created = await op.PostAsJsonAsync(Base, new { key = "posted", value = new { q = Text } }))
        {
            Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        }

        Assert.Equal("{\"q\":" + Raw + "}", await xcoms.GetAsync(new("texts", "t1", "emit", -1, "posted")));
        using (var updated = await op.PatchAsJsonAsync(Base + "/posted", new { value = Text }))
        {
            Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        }

        Assert.Equal(Raw, await xcoms.GetAsync(new("texts", "t1", "emit", -1, "posted")));

        // Read back: the stored text itself (stringify), and the value as raw text in the response.
        foreach (var key in new[] { "return_value", "posted" })
        {
            Assert.Equal(Raw, (await GetJsonAsync(op, $"{Base}/{key}?stringify=true"))["value"]!.GetValue<string>());
            using var native = await op.GetAsync($"{Base}/{key}");
            Assert.Contains("\"value\":" + Raw, await native.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task BadInput_ClearAnswers_NothingChanged()
    {
        var op = await _api.AsAsync("op");
        using var malformed = new StringContent("{\"key\": ", Encoding.UTF8, "application/json");
        Assert.Contains("json_invalid", await ExpectAsync(op.PostAsync("api/v2/variables", malformed), HttpStatusCode.UnprocessableEntity), StringComparison.Ordinal);
        var wrongType = await Json(await op.PostAsJsonAsync("api/v2/pools", new { name = "p", slots = "many" }));
        AirflowSchemas.AssertMatches("HTTPValidationError", wrongType);
        Assert.Equal(["body", "slots"], wrongType["detail"]![0]!["loc"]!.AsArray().Select(l => l!.ToString()));
        var missing = await Json(await op.PostAsJsonAsync("api/v2/pools", new { name = "p" }));
        Assert.Equal("missing", missing["detail"]![0]!["type"]!.GetValue<string>());
        Assert.Contains("int_parsing", await ExpectAsync(op.GetAsync("api/v2/dags?limit=ten"), HttpStatusCode.UnprocessableEntity), StringComparison.Ordinal);
        await ExpectAsync(op.GetAsync("api/v2/dags?offset=-1"), HttpStatusCode.UnprocessableEntity);
        Assert.Contains("disallowed", await ExpectAsync(op.GetAsync("api/v2/dags/alpha/dagRuns?order_by=colour"), HttpStatusCode.BadRequest), StringComparison.Ordinal);
        Assert.Equal(2, (await GetJsonAsync(op, "api/v2/dags?limit=1000"))["dags"]!.AsArray().Count);
        using var huge = new StringContent("{\"key\":\"big\",\"value\":\"" + new string('x', 100_000) + "\"}", Encoding.UTF8, "application/json");
        await ExpectAsync(op.PostAsync("api/v2/variables", huge), HttpStatusCode.RequestEntityTooLarge);
        await ExpectAsync(op.GetAsync("api/v2/nowhere"), HttpStatusCode.NotFound);
        await ExpectAsync(op.PutAsJsonAsync("api/v2/dags/alpha", new { }), HttpStatusCode.MethodNotAllowed);
        Assert.Empty((await GetJsonAsync(op, "api/v2/variables"))["variables"]!.AsArray());
        Assert.Single((await GetJsonAsync(op, "api/v2/pools"))["pools"]!.AsArray());
    }

    [Fact]
    public async Task Monitor_HealthAndVersionOpen_ConfigHiddenUnlessExposed()
    {
        using var health = await _api.Anonymous.GetAsync("api/v2/monitor/health");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var body = await Json(health);
        AirflowSchemas.AssertMatches("HealthInfoResponse", body);
        Assert.Equal("healthy", body["metadatabase"]!["status"]!.GetValue<string>());
        Assert.Equal("unhealthy", body["dag_processor"]!["status"]!.GetValue<string>());

        // A running DAG processor has a job row whose heartbeat health reports; stopped, it is unhealthy.
        var processor = NewDagProcessorService();
        await processor.StartAsync(CancellationToken.None);
        var running = await Json(await _api.Anonymous.GetAsync("api/v2/monitor/health"));
        AirflowSchemas.AssertMatches("HealthInfoResponse", running);
        Assert.Equal("healthy", running["dag_processor"]!["status"]!.GetValue<string>());
        Assert.NotNull(running["dag_processor"]!["latest_dag_processor_heartbeat"]);
        await processor.StopAsync(CancellationToken.None);
        processor.Dispose();
        Assert.Equal("unhealthy", (await Json(await _api.Anonymous.GetAsync("api/v2/monitor/health")))["dag_processor"]!["status"]!.GetValue<string>());
        AirflowSchemas.AssertMatches("VersionInfo", await Json(await _api.Anonymous.GetAsync("api/v2/version")));
        Assert.Contains("expose", await ExpectAsync((await _api.AsAsync("admin")).GetAsync("api/v2/config"), HttpStatusCode.Forbidden), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Monitor_Health_TriggererNoneUntilOneRuns_HealthyWhileItBeats_UnhealthyOnceStaleOrStopped()
    {
        var before = await Json(await _api.Anonymous.GetAsync("api/v2/monitor/health"));
        AirflowSchemas.AssertMatches("HealthInfoResponse", before);
        Assert.Null(before["triggerer"]!["status"]);
        Assert.Null(before["triggerer"]!["latest_triggerer_heartbeat"]);

        // A triggerer whose last heartbeat is older than the 30 s threshold: still running by its row, but unhealthy.
        using var stale = NewTriggerer(new ShiftedTime(TimeSpan.FromMinutes(-1)));
        var staleFrom = TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(1);
        await stale.RunOnceAsync();
        var staleTo = TimeProvider.System.GetUtcNow() - TimeSpan.FromMinutes(1);
        var staleHealth = await TriggererHealthAsync();
        Assert.Equal("unhealthy", staleHealth.Status);
        Assert.InRange(staleHealth.Heartbeat!.Value, staleFrom.AddTicks(-10), staleTo);

        // A live one beats now: the latest heartbeat is its, and the triggerer is healthy.
        using var live = NewTriggerer(TimeProvider.System);
        var liveFrom = TimeProvider.System.GetUtcNow();
        await live.RunOnceAsync();
        var liveTo = TimeProvider.System.GetUtcNow();
        var liveHealth = await TriggererHealthAsync();
        Assert.Equal("healthy", liveHealth.Status);
        Assert.InRange(liveHealth.Heartbeat!.Value, liveFrom.AddTicks(-10), liveTo);

        // Stopped, as in Airflow: unhealthy, with the last heartbeat of the most recent triggerer.
        await live.StopAsync(CancellationToken.None);
        await stale.StopAsync(CancellationToken.None);
        var stopped = await Json(await _api.Anonymous.GetAsync("api/v2/monitor/health"));
        AirflowSchemas.AssertMatches("HealthInfoResponse", stopped);
        Assert.Equal("unhealthy", (string?)stopped["triggerer"]!["status"]);
        Assert.Equal(liveHealth.Heartbeat, DateTimeOffset.Parse((string)stopped["triggerer"]!["latest_triggerer_heartbeat"]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public async Task Monitor_Health_SchedulerAndDagProcessor_HealthyWhileTheyBeat_UnhealthyWithTheirLastHeartbeatOnceStopped()
    {
        var before = await Json(await _api.Anonymous.GetAsync("api/v2/monitor/health"));
        Assert.Equal(("unhealthy", null), ((string?)before["scheduler"]!["status"], (string?)before["scheduler"]!["latest_scheduler_heartbeat"]));
        Assert.Equal(("unhealthy", null), ((string?)before["dag_processor"]!["status"], (string?)before["dag_processor"]!["latest_dag_processor_heartbeat"]));

        var (scheduler, _) = _api.Orchestra.NewScheduler();
        await scheduler.StartJobAsync();
        using var processor = NewDagProcessorService();
        await processor.StartAsync(CancellationToken.None);
        var running = await Json(await _api.Anonymous.GetAsync("api/v2/monitor/health"));
        AirflowSchemas.AssertMatches("HealthInfoResponse", running);
        Assert.Equal("healthy", (string?)running["scheduler"]!["status"]);
        Assert.Equal("healthy", (string?)running["dag_processor"]!["status"]);
        var schedulerBeat = (string?)running["scheduler"]!["latest_scheduler_heartbeat"];
        var processorBeat = (string?)running["dag_processor"]!["latest_dag_processor_heartbeat"];
        Assert.NotNull(schedulerBeat);
        Assert.NotNull(processorBeat);

        // Stopped, as in Airflow: unhealthy, with the last heartbeat each recorded.
        await scheduler.EndJobAsync();
        await processor.StopAsync(CancellationToken.None);
        var stopped = await Json(await _api.Anonymous.GetAsync("api/v2/monitor/health"));
        AirflowSchemas.AssertMatches("HealthInfoResponse", stopped);
        Assert.Equal(("unhealthy", schedulerBeat), ((string?)stopped["scheduler"]!["status"], (string?)stopped["scheduler"]!["latest_scheduler_heartbeat"]));
        Assert.Equal(("unhealthy", processorBeat), ((string?)stopped["dag_processor"]!["status"], (string?)stopped["dag_processor"]!["latest_dag_processor_heartbeat"]));

        // The v1 route has the same shape and answers the same.
        var v1 = await Json(await _api.Anonymous.GetAsync("api/v1/health"));
        AirflowSchemas.AssertMatches("HealthInfo", v1, AirflowSchemas.V1);
        Assert.Equal(("unhealthy", schedulerBeat), ((string?)v1["scheduler"]!["status"], (string?)v1["scheduler"]!["latest_scheduler_heartbeat"]));
    }

    /// <summary>A DAG processor service (its job row beats while it runs) over the test installation's folders.</summary>
    private Scheduling.Hosting.DagProcessorService NewDagProcessorService() => new(
        new Scheduling.Processing.DagProcessor(_api.Orchestra.Context.NewLoader(), _api.Orchestra.Context.DagFolders, _api.Orchestra.Database, _api.Orchestra.Context.TriggerKwargs, TimeProvider.System),
        _api.Orchestra.Context.DagFolders,
        TimeSpan.FromMinutes(1),
        TimeProvider.System,
        Microsoft.Extensions.Logging.Abstractions.NullLogger<Scheduling.Hosting.DagProcessorService>.Instance,
        new JobStore(_api.Orchestra.Database));

    private Scheduling.Triggering.Triggerer NewTriggerer(TimeProvider time) => new(
        _api.Orchestra.Database,
        _api.Orchestra.Context.TriggerKwargs,
        new Scheduling.Triggering.TriggererOptions { LogFolder = _api.Orchestra.LogFolder },
        time,
        Microsoft.Extensions.Logging.Abstractions.NullLogger<Scheduling.Triggering.Triggerer>.Instance);

    private async Task<(string? Status, DateTimeOffset? Heartbeat)> TriggererHealthAsync()
    {
        var health = await Json(await _api.Anonymous.GetAsync("api/v2/monitor/health"));
        AirflowSchemas.AssertMatches("HealthInfoResponse", health);
        var beat = (string?)health["triggerer"]!["latest_triggerer_heartbeat"];
        return ((string?)health["triggerer"]!["status"], beat is null ? null : DateTimeOffset.Parse(beat, System.Globalization.CultureInfo.InvariantCulture));
    }

    protected static async Task<JsonObject> Json(HttpResponseMessage response) =>
        (await response.Content.ReadFromJsonAsync<JsonObject>())!;

    private static async Task<JsonObject> GetJsonAsync(HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    /// <summary>Expects <paramref name="status"/> and Airflow's error shape; returns the body.</summary>
    private static async Task<string> ExpectAsync(Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        using var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        if ((int)status != 413)
        {
            // A 422 is FastAPI's validation list, or (as Airflow raises for a backfill it cannot create) a plain detail.
            var json = JsonNode.Parse(text);
            AirflowSchemas.AssertMatches(status == HttpStatusCode.UnprocessableEntity && json?["detail"] is JsonArray ? "HTTPValidationError" : "HTTPExceptionResponse", json);
        }

        return text;
    }

    private static List<string> Ids(JsonObject list, string items, string field) =>
        [.. list[items]!.AsArray().Select(i => i![field]!.GetValue<string>())];

    private async Task<string> DetailWithTokenAsync(string token, HttpStatusCode status)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/v2/dags");
        request.Headers.Authorization = new("Bearer", token);
        using var response = await _api.Anonymous.SendAsync(request);
        Assert.Equal(status, response.StatusCode);
        return (await Json(response))["detail"]!.GetValue<string>();
    }

    private sealed class ShiftedTime(TimeSpan shift) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + shift;
    }
}

public sealed class RestApiSqliteTests : RestApiTests
{
    protected override string? DatabaseUri => null;
}

[Collection(PostgresCollection.Name)]
public sealed class RestApiPostgresTests(PostgresServer server) : RestApiTests
{
    protected override string? DatabaseUri { get; } = server.CreateDatabase();
}
