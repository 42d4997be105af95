using System.Net;
using System.Text.Json.Nodes;
using Updraft.Core.Connections;
using Updraft.Scheduling.Tests;
using Updraft.Tests.Shared;

namespace Updraft.Server.Tests.RestApi;

/// <summary>
/// Rendered template fields through the whole orchestrator: a worker renders a task's templates, sends them through the
/// execution API (over its pipe, or over HTTP as remote workers do) with the secrets it read masked, and the REST API
/// shows them on the task instance. SQLite and PostgreSQL.
/// </summary>
public abstract class RenderedFieldsApiTests : IAsyncLifetime
{
    private const string Password = "Pa55-w0rd-42";
    private const string LiteralToken = "tok-literal-99";

    private RestApiServer _api = null!;

    protected abstract string? DatabaseUri { get; }

    public async Task InitializeAsync()
    {
        _api = await RestApiServer.StartAsync(DatabaseUri);
        var o = _api.Orchestra;
        await (await o.Context.SecretStoreAsync()).SetConnectionAsync(Connection.FromUri("warehouse", $"postgres://etl:{Password}@db.example.com/dw"));
        o.WriteDag("rendered.cs", Orchestra.DagSource("rendered", $$$"""
            dag.Bash("b", "echo {{ ds }} {{ params.x }}");
            dag.Bash("login", "echo psql -h {{ conn.warehouse.host }} -W {{ conn.warehouse.password }}").With(t =>
            {
                t.AppendEnv = true;
                t.Env = new() { ["API_TOKEN"] = "{{{LiteralToken}}}", ["MODE"] = "{{ params.x }}" };
            });
            """, "Params = { [\"x\"] = new Param(\"hello\") }"));
        await o.ProcessAsync();
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TaskRan_SingleInstanceRoutesShowItsRenderedFields_SecretsMasked_ListsLeaveThemEmpty(bool workersOverHttp)
    {
        var o = _api.Orchestra;
        var (engine, executor) = o.NewScheduler(workerEnvironment: workersOverHttp
            ? new() { ["UPDRAFT__CORE__EXECUTION_API_SERVER_URL"] = new Uri(_api.Server.Address, "execution/").ToString() }
            : null);
        var run = await o.TriggerAsync("rendered");
        var requestsBefore = _api.Server.Requests;
        await o.RunToCompletionAsync(engine, executor);
        Assert.Equal("success", await o.RunStateAsync("rendered", run.RunId));
        Assert.Equal(workersOverHttp, _api.Server.Requests > requestsBefore);
        var viewer = await _api.AsAsync("viewer");
        var ds = run.RunId[8..18];

        var b = await JsonAsync(await viewer.GetAsync($"api/v2/dags/rendered/dagRuns/{run.RunId}/taskInstances/b"));
        Assert.Equal($"{{\"bash_command\":\"echo {ds} hello\"}}", b["rendered_fields"]!.ToJsonString());
        var byIndex = await JsonAsync(await viewer.GetAsync($"api/v2/dags/rendered/dagRuns/{run.RunId}/taskInstances/b/-1"));
        Assert.Equal($"echo {ds} hello", (string?)byIndex["rendered_fields"]!["bash_command"]);

        using var loginResponse = await viewer.GetAsync($"api/v2/dags/rendered/dagRuns/{run.RunId}/taskInstances/login");
        var text = await loginResponse.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, loginResponse.StatusCode);
        var fields = JsonNode.Parse(text)!["rendered_fields"]!;
        Assert.Equal("echo psql -h db.example.com -W ***", (string?)fields["bash_command"]);
        Assert.Equal("***", (string?)fields["env.API_TOKEN"]);
        Assert.Equal("hello", (string?)fields["env.MODE"]);
        Assert.DoesNotContain(Password, text);
        Assert.DoesNotContain(LiteralToken, text);

        var v1 = await JsonAsync(await viewer.GetAsync($"api/v1/dags/rendered/dagRuns/{run.RunId}/taskInstances/b"));
        Assert.Equal($"echo {ds} hello", (string?)v1["rendered_fields"]!["bash_command"]);

        var list = await JsonAsync(await viewer.GetAsync($"api/v2/dags/rendered/dagRuns/{run.RunId}/taskInstances"));
        Assert.All(list["task_instances"]!.AsArray(), ti => Assert.Empty(ti!["rendered_fields"]!.AsObject()));
    }

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response)
    {
        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();
        }
    }
}

public sealed class SqliteRenderedFieldsApiTests : RenderedFieldsApiTests
{
    protected override string? DatabaseUri => null;
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresRenderedFieldsApiTests(PostgresServer server) : RenderedFieldsApiTests
{
    protected override string? DatabaseUri => server.CreateDatabase();
}
