using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Updraft.Core.States;
using Updraft.Tests.Shared;

namespace Updraft.Server.Tests.RestApi;

/// <summary>
/// Airflow 2's API (<c>/api/v1</c>) over real HTTP with basic auth, on each database: responses checked against the
/// schemas of Airflow 2.10's published OpenAPI document, errors as problem documents, validation as 400.
/// </summary>
public abstract class RestApiV1Tests : IAsyncLifetime
{
    private RestApiServer _api = null!;
    private HttpClient _admin = null!;

    protected abstract string? DatabaseUri { get; }

    public async Task InitializeAsync()
    {
        _api = await RestApiServer.StartAsync(DatabaseUri);
        _admin = Basic("admin", RestApiServer.Password);
    }

    public async Task DisposeAsync()
    {
        _admin.Dispose();
        await _api.DisposeAsync();
    }

    [Fact]
    public async Task BasicAuth_RightPassword_200_WrongOrNone_401Problem()
    {
        using var none = await _api.Anonymous.GetAsync("api/v1/dags");
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType!.MediaType);
        AirflowSchemas.AssertMatches("Error", await Json(none), AirflowSchemas.V1);
        using var wrong = Basic("admin", "nope");
        Assert.Equal(HttpStatusCode.Unauthorized, (await wrong.GetAsync("api/v1/dags")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _admin.GetAsync("api/v1/dags")).StatusCode);
        using var viewer = Basic("viewer", RestApiServer.Password);
        Assert.Equal(HttpStatusCode.Forbidden, (await viewer.GetAsync("api/v1/variables")).StatusCode);
    }

    [Fact]
    public async Task Dags_ListGetPatchDelete_Airflow2Shapes()
    {
        var list = await GetAsync("api/v1/dags");
        AirflowSchemas.AssertMatches("DAGCollection", list, AirflowSchemas.V1);
        Assert.Equal(2, list["total_entries"]!.GetValue<int>());
        AirflowSchemas.AssertMatches("DAG", await GetAsync("api/v1/dags/alpha"), AirflowSchemas.V1);
        using var patched = await _admin.PatchAsJsonAsync("api/v1/dags/alpha?update_mask=is_paused", new { is_paused = true });
        Assert.True((await Json(patched))["is_paused"]!.GetValue<bool>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PatchAsJsonAsync("api/v1/dags/alpha?update_mask=owners", new { is_paused = true })).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("api/v1/dags/beta")).StatusCode);
        using var gone = await _admin.GetAsync("api/v1/dags/beta");
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        AirflowSchemas.AssertMatches("Error", await Json(gone), AirflowSchemas.V1);
    }

    [Fact]
    public async Task DagRunsAndTaskInstances_ExecutionDate_StateDelete()
    {
        using var triggered = await _admin.PostAsJsonAsync("api/v1/dags/alpha/dagRuns", new { dag_run_id = "v1_run", execution_date = "2025-04-01T00:00:00+00:00", conf = new { rows = 2 } });
        Assert.Equal(HttpStatusCode.OK, triggered.StatusCode);
        var run = await Json(triggered);
        AirflowSchemas.AssertMatches("DAGRun", run, AirflowSchemas.V1);
        Assert.Equal(run["logical_date"]!.ToString(), run["execution_date"]!.ToString());
        var runs = await GetAsync("api/v1/dags/~/dagRuns?order_by=-execution_date");
        AirflowSchemas.AssertMatches("DAGRunCollection", runs, AirflowSchemas.V1);
        AirflowSchemas.AssertMatches("DAGRun", await GetAsync("api/v1/dags/alpha/dagRuns/r1"), AirflowSchemas.V1);

        using var marked = await _admin.PatchAsJsonAsync("api/v1/dags/alpha/dagRuns/v1_run", new { state = "failed" });
        Assert.Equal("failed", (await Json(marked))["state"]!.GetValue<string>());
        Assert.All((await _api.Orchestra.TasksAsync("alpha", "v1_run")).Values, ti => Assert.Equal(TaskInstanceState.Skipped, ti.State));

        var tis = await GetAsync("api/v1/dags/alpha/dagRuns/r1/taskInstances");
        AirflowSchemas.AssertMatches("TaskInstanceCollection", tis, AirflowSchemas.V1);
        Assert.Equal(2, tis["total_entries"]!.GetValue<int>());
        AirflowSchemas.AssertMatches("TaskInstance", await GetAsync("api/v1/dags/alpha/dagRuns/r1/taskInstances/a"), AirflowSchemas.V1);

        Assert.Equal(HttpStatusCode.NoContent, (await _admin.DeleteAsync("api/v1/dags/alpha/dagRuns/v1_run")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _admin.GetAsync("api/v1/dags/alpha/dagRuns/v1_run")).StatusCode);
    }

    [Fact]
    public async Task VariablesConnectionsPools_HealthVersion_BadInput400()
    {
        using var variable = await _admin.PostAsJsonAsync("api/v1/variables", new { key = "region", value = "eu" });
        AirflowSchemas.AssertMatches("Variable", await Json(variable), AirflowSchemas.V1);
        AirflowSchemas.AssertMatches("VariableCollection", await GetAsync("api/v1/variables"), AirflowSchemas.V1);
        using var connection = await _admin.PostAsJsonAsync("api/v1/connections", new { connection_id = "db", conn_type = "postgres", password = "hunter2" });
        Assert.DoesNotContain("hunter2", await connection.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        AirflowSchemas.AssertMatches("Connection", await GetAsync("api/v1/connections/db"), AirflowSchemas.V1);
        AirflowSchemas.AssertMatches("ConnectionCollection", await GetAsync("api/v1/connections"), AirflowSchemas.V1);
        using var pool = await _admin.PostAsJsonAsync("api/v1/pools", new { name = "etl", slots = 3 });
        AirflowSchemas.AssertMatches("Pool", await Json(pool), AirflowSchemas.V1);
        AirflowSchemas.AssertMatches("PoolCollection", await GetAsync("api/v1/pools"), AirflowSchemas.V1);
        AirflowSchemas.AssertMatches("HealthInfo", await Json(await _api.Anonymous.GetAsync("api/v1/health")), AirflowSchemas.V1);
        AirflowSchemas.AssertMatches("VersionInfo", await Json(await _api.Anonymous.GetAsync("api/v1/version")), AirflowSchemas.V1);

        using var patchedVariable = await _admin.PatchAsJsonAsync("api/v1/variables/region?update_mask=value", new { key = "region", value = "us", description = "ignored" });
        Assert.Equal(("us", (string?)null), ((await Json(patchedVariable))["value"]!.GetValue<string>(), (await GetAsync("api/v1/variables/region"))["description"]?.GetValue<string>()));
        using var patchedPool = await _admin.PatchAsJsonAsync("api/v1/pools/etl?update_mask=slots", new { name = "etl", slots = 7 });
        AirflowSchemas.AssertMatches("Pool", await Json(patchedPool), AirflowSchemas.V1);
        Assert.Equal(7, (await GetAsync("api/v1/pools/etl"))["slots"]!.GetValue<int>());
        using var patchedConnection = await _admin.PatchAsJsonAsync("api/v1/connections/db?update_mask=host", new { connection_id = "db", conn_type = "postgres", host = "db2" });
        AirflowSchemas.AssertMatches("Connection", await Json(patchedConnection), AirflowSchemas.V1);
        Assert.Equal("hunter2", (await _api.Services.GetService<Storage.Stores.SecretStore>()!.ListConnectionsAsync("db"))[0].Password);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PatchAsJsonAsync("api/v1/pools/etl?update_mask=colour", new { name = "etl", slots = 7 })).StatusCode);

        using var bad = await _admin.PostAsync("api/v1/pools", new StringContent("{\"name\": \"p\", \"slots\": \"many\"}", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var problem = await Json(bad);
        AirflowSchemas.AssertMatches("Error", problem, AirflowSchemas.V1);
        Assert.Contains("slots", problem["detail"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Single((await GetAsync("api/v1/pools"))["pools"]!.AsArray(), p => p!["name"]!.GetValue<string>() == "etl");
    }

    [Fact]
    public async Task DetailsTasksClearMarkNotesLogsBatchSources_Airflow2Shapes()
    {
        var details = await GetAsync("api/v1/dags/alpha/details");
        AirflowSchemas.AssertMatches("DAGDetail", details, AirflowSchemas.V1);
        Assert.Equal(("LR", 10), (details["orientation"]!.GetValue<string>(), details["params"]!["rows"]!["value"]!.GetValue<int>()));
        var tasks = await GetAsync("api/v1/dags/alpha/tasks");
        AirflowSchemas.AssertMatches("TaskCollection", tasks, AirflowSchemas.V1);
        Assert.Equal(["a", "b"], tasks["tasks"]!.AsArray().Select(t => t!["task_id"]!.GetValue<string>()));
        AirflowSchemas.AssertMatches("Task", await GetAsync("api/v1/dags/alpha/tasks/b"), AirflowSchemas.V1);

        // Clear: a dry run lists, then the real one clears (only_failed defaults to true in Airflow 2: a is a success).
        using var dry = await _admin.PostAsJsonAsync("api/v1/dags/alpha/clearTaskInstances", new { dry_run = true, only_failed = false, dag_run_id = "r1" });
        var refs = await Json(dry);
        AirflowSchemas.AssertMatches("TaskInstanceReferenceCollection", refs, AirflowSchemas.V1);
        Assert.Equal(["a", "b"], refs["task_instances"]!.AsArray().Select(t => t!["task_id"]!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.NotNull(refs["task_instances"]![0]!["execution_date"]);
        using var failedOnly = await _admin.PostAsJsonAsync("api/v1/dags/alpha/clearTaskInstances", new { dry_run = true, dag_run_id = "r1" });
        Assert.Empty((await Json(failedOnly))["task_instances"]!.AsArray());

        // Mark: dry run by default, as Airflow 2; then for real.
        using var preview = await _admin.PostAsJsonAsync("api/v1/dags/alpha/updateTaskInstancesState", new { task_id = "b", dag_run_id = "r1", new_state = "failed" });
        AirflowSchemas.AssertMatches("TaskInstanceReferenceCollection", await Json(preview), AirflowSchemas.V1);
        Assert.Equal(TaskInstanceState.None, (await _api.Orchestra.TasksAsync("alpha", "r1"))["b"].State);
        using var marked = await _admin.PostAsJsonAsync("api/v1/dags/alpha/updateTaskInstancesState", new { task_id = "b", dag_run_id = "r1", new_state = "failed", dry_run = false });
        Assert.Equal(["b"], (await Json(marked))["task_instances"]!.AsArray().Select(t => t!["task_id"]!.GetValue<string>()));
        Assert.Equal(TaskInstanceState.Failed, (await _api.Orchestra.TasksAsync("alpha", "r1"))["b"].State);
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PostAsJsonAsync("api/v1/dags/alpha/updateTaskInstancesState", new { task_id = "b", dag_run_id = "r1", new_state = "running" })).StatusCode);

        using var runClear = await _admin.PostAsJsonAsync("api/v1/dags/alpha/dagRuns/r1/clear", new { dry_run = true });
        AirflowSchemas.AssertMatches("TaskInstanceCollection", await Json(runClear), AirflowSchemas.V1);

        using var runNote = await _admin.PatchAsJsonAsync("api/v1/dags/alpha/dagRuns/r1/setNote", new { note = "rerun tomorrow" });
        var noted = await Json(runNote);
        AirflowSchemas.AssertMatches("DAGRun", noted, AirflowSchemas.V1);
        Assert.Equal("rerun tomorrow", noted["note"]!.GetValue<string>());
        using var tiNote = await _admin.PatchAsJsonAsync("api/v1/dags/alpha/dagRuns/r1/taskInstances/a/setNote", new { note = "fine" });
        Assert.Equal("fine", (await Json(tiNote))["note"]!.GetValue<string>());
        Assert.Equal(HttpStatusCode.BadRequest, (await _admin.PatchAsJsonAsync("api/v1/dags/alpha/dagRuns/r1/setNote", new { })).StatusCode);

        // Logs: Airflow 2's JSON has the content as one text.
        var log = await GetAsync("api/v1/dags/alpha/dagRuns/r1/taskInstances/a/logs/1");
        Assert.Equal("line one\nline two\n", log["content"]!.GetValue<string>());
        Assert.NotNull(log["continuation_token"]);

        using var runs = await _admin.PostAsJsonAsync("api/v1/dags/~/dagRuns/list", new { dag_ids = new[] { "alpha" }, order_by = "-execution_date" });
        AirflowSchemas.AssertMatches("DAGRunCollection", await Json(runs), AirflowSchemas.V1);
        using var tis = await _admin.PostAsJsonAsync("api/v1/dags/~/dagRuns/~/taskInstances/list", new { dag_ids = new[] { "alpha" }, state = new[] { "failed" } });
        var failed = await Json(tis);
        AirflowSchemas.AssertMatches("TaskInstanceCollection", failed, AirflowSchemas.V1);
        Assert.Equal(["b"], failed["task_instances"]!.AsArray().Select(t => t!["task_id"]!.GetValue<string>()));
        using var unsupported = await _admin.PostAsJsonAsync("api/v1/dags/~/dagRuns/~/taskInstances/list", new { execution_date_gte = "2025-01-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.BadRequest, unsupported.StatusCode);

        var source = await GetAsync($"api/v1/dagSources/{details["file_token"]!.GetValue<string>()}");
        Assert.Contains("dag.Bash(\"a\"", source["content"]!.GetValue<string>(), StringComparison.Ordinal);
        var warnings = await GetAsync("api/v1/dagWarnings");
        Assert.Equal(0, warnings["total_entries"]!.GetValue<int>());
    }

    [Fact]
    public async Task ImportErrorsEventLogsXComs_Airflow2Shapes()
    {
        await new Updraft.Storage.Stores.DatabaseXComStore(_api.Orchestra.Database, TimeProvider.System).SetAsync(new Core.Runtime.XComKey("alpha", "r1", "a", -1, "return_value"), "\"42 rows\"");
        var list = await GetAsync("api/v1/dags/~/dagRuns/~/taskInstances/~/xcomEntries");
        AirflowSchemas.AssertMatches("XComCollection", list, AirflowSchemas.V1);
        var entry = await GetAsync("api/v1/dags/alpha/dagRuns/r1/taskInstances/a/xcomEntries/return_value");
        AirflowSchemas.AssertMatches("XCom", entry, AirflowSchemas.V1);
        Assert.Equal("42 rows", entry["value"]!.GetValue<string>());

        await _admin.PatchAsJsonAsync("api/v1/dags/alpha", new { is_paused = true });
        var events = await GetAsync("api/v1/eventLogs?event=api_pause");
        AirflowSchemas.AssertMatches("EventLogCollection", events, AirflowSchemas.V1);
        AirflowSchemas.AssertMatches("EventLog", await GetAsync($"api/v1/eventLogs/{events["event_logs"]![0]!["event_log_id"]}"), AirflowSchemas.V1);

        _api.Orchestra.WriteDag("broken.cs", "this is not C#");
        await new Scheduling.Processing.DagProcessor(_api.Orchestra.Context.NewLoader(), _api.Orchestra.Context.DagFolders, _api.Orchestra.Database, _api.Orchestra.Context.TriggerKwargs, TimeProvider.System).RunOnceAsync();
        var errors = await GetAsync("api/v1/importErrors");
        AirflowSchemas.AssertMatches("ImportErrorCollection", errors, AirflowSchemas.V1);
        Assert.EndsWith("broken.cs", errors["import_errors"]![0]!["filename"]!.GetValue<string>(), StringComparison.Ordinal);
        AirflowSchemas.AssertMatches("ImportError", await GetAsync($"api/v1/importErrors/{errors["import_errors"]![0]!["import_error_id"]}"), AirflowSchemas.V1);
    }

    private HttpClient Basic(string username, string password)
    {
        var client = new HttpClient { BaseAddress = _api.Server.Address };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{username}:{password}")));
        return client;
    }

    private async Task<JsonObject> GetAsync(string url)
    {
        using var response = await _admin.GetAsync(url);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {url}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!.AsObject();
    }

    private static async Task<JsonObject> Json(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
}

public sealed class RestApiV1SqliteTests : RestApiV1Tests
{
    protected override string? DatabaseUri => null;
}

[Collection(PostgresCollection.Name)]
public sealed class RestApiV1PostgresTests(PostgresServer server) : RestApiV1Tests
{
    protected override string? DatabaseUri { get; } = server.CreateDatabase();
}
