using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Api;
using Updraft.Scheduling.Tests;
using Updraft.Server.Hosting;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Server.Tests;

/// <summary>The execution API over real HTTP: Kestrel on a free port, the client remote workers use.</summary>
public sealed class ExecutionApiHttpTests : IAsyncLifetime
{
    private Orchestra _orchestra = null!;
    private ApiServer _server = null!;
    private HttpClient _http = null!;

    private static readonly TryIdentity A = new("remote", "r1", "a", -1, 1);

    public async Task InitializeAsync()
    {
        _orchestra = await Orchestra.CreateAsync(null, new() { ["UPDRAFT_VAR_GREETING"] = "hello", ["UPDRAFT_CONN_WAREHOUSE"] = "postgres://etl:Pa55@db.example.com:5432/dw" });
        _orchestra.WriteDag("remote.cs", Orchestra.DagSource("remote", "dag.Empty(\"a\"); dag.Empty(\"b\");"));
        await _orchestra.ProcessAsync();
        var run = await _orchestra.TriggerAsync("remote", "r1");
        await new DagRunStore(_orchestra.Database).TransitionAsync(run.Id, DagRunState.Queued, DagRunState.Running, TimeProvider.System.GetUtcNow());
        var keys = new[] { new TaskInstanceKey("remote", "r1", "a"), new TaskInstanceKey("remote", "r1", "b") };
        await new TaskInstanceStore(_orchestra.Database).TransitionAsync(
            [.. keys.Select(k => new TaskInstanceChange(k, TaskInstanceState.None, TaskInstanceState.Scheduled))], TimeProvider.System.GetUtcNow());
        await _orchestra.Database.QueueAsync(keys, TimeProvider.System.GetUtcNow());
        _server = await ApiServer.StartAsync("127.0.0.1", 0, _orchestra.Service);
        _http = new HttpClient { BaseAddress = new Uri(_server.Address, "execution/v1/") };
    }

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _server.DisposeAsync();
        await _orchestra.DisposeAsync();
    }

    [Fact]
    public async Task WholeTry_OverHttp_StartHeartbeatXComSecretsFinish()
    {
        var api = new HttpExecutionApi(_http);
        var token = _orchestra.Service.Tokens.Issue(A);

        var start = await api.StartAsync(token, A, "remote-host", 4242);
        Assert.NotNull(start);
        Assert.Equal(("a", 1), (start.Task.TaskId, start.DagVersion));
        var beat = await api.HeartbeatAsync(token, A);
        Assert.True(beat.Owned);
        Assert.NotNull(beat.RefreshedToken);
        token = beat.RefreshedToken;
        var xcom = new XComKey("remote", "r1", "a", -1, XComKey.ReturnValue);
        await api.SetXComAsync(token, A, xcom, "{\"rows\":3}");
        Assert.Equal("{\"rows\":3}", await api.GetXComAsync(token, A, xcom));
        Assert.Null(await api.GetXComAsync(token, A, xcom with { TaskId = "b" }));
        Assert.Equal("hello", await api.GetVariableAsync(token, A, "greeting"));
        Assert.Null(await api.GetVariableAsync(token, A, "missing"));
        Assert.Equal(("db.example.com", "Pa55"), ((await api.GetConnectionAsync(token, A, "warehouse"))!.Host, (await api.GetConnectionAsync(token, A, "warehouse"))!.Password));
        Assert.Equal(TaskInstanceState.Success, await api.FinishAsync(token, A, TaskInstanceState.Success, retryAllowed: false));

        var row = (await new TaskInstanceStore(_orchestra.Database).GetAsync(new TaskInstanceKey("remote", "r1", "a")))!;
        Assert.Equal((TaskInstanceState.Success, "remote-host", 4242), (row.State, row.Hostname, row.Pid!.Value));

        // The try has ended: it no longer owns the row.
        Assert.False((await api.HeartbeatAsync(token, A)).Owned);
        await Assert.ThrowsAsync<TryNotOwnedException>(() => api.SetXComAsync(token, A, xcom, "4"));
        Assert.Null(await api.FinishAsync(token, A, TaskInstanceState.Failed, retryAllowed: true));
    }

    [Fact]
    public async Task CrossDag_TriggerAndStates_OverHttp_WithAirflowsRefusals()
    {
        var api = new HttpExecutionApi(_http);
        var token = _orchestra.Service.Tokens.Issue(A);
        var date = new DateTimeOffset(2025, 5, 1, 0, 0, 0, TimeSpan.Zero);

        await api.TriggerDagRunAsync(token, A, "remote", "from_a", date, new JsonObject { ["day"] = "2025-05-01" });
        var again = await Assert.ThrowsAsync<DagRunTriggerException>(() => api.TriggerDagRunAsync(token, A, "remote", "from_a", date, null));
        var unknown = await Assert.ThrowsAsync<DagRunTriggerException>(() => api.TriggerDagRunAsync(token, A, "nope", "x", date, null));
        var forged = await Assert.ThrowsAsync<ExecutionApiRefusedException>(() => api.TriggerDagRunAsync("forged", A, "remote", "y", date, null));

        var run = (await new DagRunStore(_orchestra.Database).GetAsync("remote", "from_a"))!;
        Assert.Equal((DagRunState.Queued, "{\"day\":\"2025-05-01\"}"), (run.State, run.Conf));
        Assert.Equal((DagRunTriggerError.AlreadyExists, DagRunTriggerError.DagNotFound), (again.Error, unknown.Error));
        Assert.Equal("DAG 'nope' not found.", unknown.Message);
        Assert.Equal(401, forged.StatusCode);
        Assert.Equal("queued", await api.GetDagRunStateAsync(token, A, "remote", "from_a"));
        Assert.Null(await api.GetDagRunStateAsync(token, A, "remote", "missing"));
        Assert.Equal("queued", await api.GetStateAtAsync(token, A, "remote", null, date));
        var r1 = Updraft.Storage.Database.Micros.To((await new DagRunStore(_orchestra.Database).GetAsync("remote", "r1"))!.LogicalDate);
        Assert.Equal("queued", await api.GetStateAtAsync(token, A, "remote", "a", r1));
        Assert.Null(await api.GetStateAtAsync(token, A, "remote", "a", date.AddDays(1)));
    }

    [Fact]
    public async Task AnotherTrysToken_403_NoToken_401_WithDetail()
    {
        var tokenOfB = _orchestra.Service.Tokens.Issue(A with { TaskId = "b" });
        using var request = new HttpRequestMessage(HttpMethod.Put, $"{ExecutionApiJson.TryPath(A)}/heartbeat");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", tokenOfB);
        using var refused = await _http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("issued for another try", (string)JsonNode.Parse(await refused.Content.ReadAsStringAsync())!["detail"]!);

        using var anonymous = await _http.PutAsync(new Uri($"{ExecutionApiJson.TryPath(A)}/heartbeat", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("The execution API needs the try's token.", (string)JsonNode.Parse(await anonymous.Content.ReadAsStringAsync())!["detail"]!);

        var error = await Assert.ThrowsAsync<ExecutionApiRefusedException>(() => new HttpExecutionApi(_http).StartAsync(tokenOfB, A, "h", 1));
        Assert.Equal(403, error.StatusCode);
        Assert.Equal(TaskInstanceState.Queued, (await new TaskInstanceStore(_orchestra.Database).GetAsync(new TaskInstanceKey("remote", "r1", "a")))!.State);
    }

    [Fact]
    public async Task RenderedFields_OverHttp_KeptWhileTheTryRuns_OtherOrStaleTriesRefused()
    {
        var api = new HttpExecutionApi(_http);
        var token = _orchestra.Service.Tokens.Issue(A);
        var store = new RenderedFieldsStore(_orchestra.Database);
        var key = new TaskInstanceKey("remote", "r1", "a");
        var fields = new Dictionary<string, string> { ["bash_command"] = "echo 2025-01-01", ["env.MODE"] = "full" };

        // Queued, not started: the try owns nothing yet.
        await Assert.ThrowsAsync<TryNotOwnedException>(() => api.SetRenderedFieldsAsync(token, A, fields));
        Assert.NotNull(await api.StartAsync(token, A, "remote-host", 4242));
        var foreign = await Assert.ThrowsAsync<ExecutionApiRefusedException>(() => api.SetRenderedFieldsAsync(_orchestra.Service.Tokens.Issue(A with { TaskId = "b" }), A, fields));
        Assert.Equal(403, foreign.StatusCode);
        var stale = A with { TryNumber = 0 };
        await Assert.ThrowsAsync<TryNotOwnedException>(() => api.SetRenderedFieldsAsync(_orchestra.Service.Tokens.Issue(stale), stale, fields));
        Assert.Null(await store.GetAsync(key));

        await api.SetRenderedFieldsAsync(token, A, fields);
        Assert.Equal(fields, await store.GetAsync(key));

        Assert.Equal(TaskInstanceState.Success, await api.FinishAsync(token, A, TaskInstanceState.Success, retryAllowed: false));
        await Assert.ThrowsAsync<TryNotOwnedException>(() => api.SetRenderedFieldsAsync(token, A, new Dictionary<string, string> { ["bash_command"] = "late" }));
        Assert.Equal("echo 2025-01-01", (await store.GetAsync(key))!["bash_command"]);
    }

    [Fact]
    public async Task Health_AnswersWithoutToken()
    {
        using var response = await _http.GetAsync(new Uri(_server.Address, "execution/health"));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("healthy", (string)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["status"]!);
    }
}
