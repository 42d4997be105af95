using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting;
using Updraft.Core.Connections;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Testing;
using Updraft.Providers;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>The HTTP and SQL operators against a real HTTP server and real SQLite and PostgreSQL databases.</summary>
public abstract class ProvidersTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Date = new(2025, 1, 2, 0, 0, 0, TimeSpan.Zero);

    private readonly List<string> _log = [];
    private WebApplication? _server;
    private int _polls;
    private int _counts;

    /// <summary>A URI for the SQL connection under test.</summary>
    protected abstract string SqlConnectionUri();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapGet("/status", (HttpContext http) => http.Request.Headers.Authorization.ToString() == "Basic dXNlcjpodW50ZXIy"
            ? Results.Json(new { value = 41, user = "user" })
            : Results.StatusCode(401));
        _server.MapPost("/echo", async (HttpContext http) =>
            $"{http.Request.Headers["X-Run"]}|{http.Request.Headers["X-From-Extra"]}|{await new StreamReader(http.Request.Body).ReadToEndAsync()}");
        _server.MapGet("/missing", () => Results.NotFound("no such report"));
        _server.MapGet("/ready/{name}", (string name, string? day) => Interlocked.Increment(ref _polls) >= 3 && name == "report" && day == "2025-01-02"
            ? Results.Json(new { status = "ready", polls = _polls })
            : Results.NotFound("not there yet"));
        _server.MapGet("/count", () => Results.Json(new { count = Interlocked.Increment(ref _counts) }));
        _server.MapGet("/broken", () => Results.Problem("the partner API is down", statusCode: 500));
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private string ServerUri => _server!.Urls.First();

    private DagTestResult Run(Dag dag) => dag.Test(Date, options: new DagTestOptions
    {
        Log = new LineSink(_log),
        Connections = new EnvironmentSecrets(new Dictionary<string, string>
        {
            ["UPDRAFT_CONN_API"] = new UriBuilder(ServerUri) { UserName = "user", Password = "hunter2", Query = "__extra__=" + Uri.EscapeDataString("{\"X-From-Extra\": \"extra-header\"}") }.Uri.ToString(),
            ["UPDRAFT_CONN_DB"] = SqlConnectionUri(),
        }),
    });

    [Fact]
    public void Http_MethodsTemplatesAuthHeadersAndFilters_ErrorStatusAndFailedCheckFailTheTask()
    {
        var dag = new Dag("http");
        dag.Http("status", "status", method: "GET", connId: "api").With(t => t.ResponseFilter = r => r.Json()!["value"]!.GetValue<int>() + 1);
        dag.Http("echo", "echo", connId: "api").With(t =>
        {
            t.Data = "report for {{ ds }}";
            t.Headers = new() { ["X-Run"] = "{{ run_id }}" };
        });
        dag.Http("missing", "missing", method: "GET", connId: "api");
        dag.Http("checked", "status", method: "GET", connId: "api").With(t => t.ResponseCheck = r => r.Json()!["user"]!.GetValue<string>() == "someone else");
        dag.Http("no_conn", "status", method: "GET", connId: "nowhere");

        var result = Run(dag);

        Assert.Equal(42, result.XComValue<int>("status"));
        Assert.Equal("manual__2025-01-02T00:00:00+00:00|extra-header|report for 2025-01-02", result.XComValue<string>("echo"));
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["missing"]);
        Assert.Contains("HTTP error: Not Found", _log);
        Assert.Contains(_log, l => l.Contains("no such report", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.Contains("HttpRequestException: 404:Not Found", StringComparison.Ordinal));
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["checked"]);
        Assert.Contains(_log, l => l.Contains("Response check returned False.", StringComparison.Ordinal));
        Assert.Contains(_log, l => l.Contains("The connection 'nowhere' is not defined", StringComparison.Ordinal));
        Assert.DoesNotContain(_log, l => l.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void Sql_StatementsParametersAndResults_AndAnErrorFailsWithTheDatabasesMessage()
    {
        var dag = new Dag("sql");
        var setup = dag.Sql("setup", """
            CREATE TABLE orders (id INTEGER, region TEXT, amount INTEGER);
            INSERT INTO orders VALUES (1, 'eu', 10); -- a comment; with a semicolon
            INSERT INTO orders VALUES (2, 'us', 25);
            INSERT INTO orders VALUES (3, 'eu', 7)
            """, "db").With(t => t.SplitStatements = true);
        var query = dag.Sql("query", "SELECT region, SUM(amount) AS total FROM orders WHERE id >= @first GROUP BY region ORDER BY region", "db")
            .With(t => t.Parameters = new() { ["first"] = 2 });
        var broken = dag.Sql("broken", "SELECT nope FROM orders", "db");
        setup.Then([query, broken]);

        var result = Run(dag);

        Assert.True(result.TaskStates["setup"] == TaskInstanceState.Success, string.Join("\n", _log));
        var rows = result.XComValue<JsonArray>("query")!;
        Assert.Equal("[[\"eu\",7],[\"us\",25]]", rows.ToJsonString());
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["broken"]);
        Assert.Contains(_log, l => l.StartsWith("SQL error: ", StringComparison.Ordinal) && l.Contains("nope", StringComparison.Ordinal));
    }

    [Fact]
    public void HttpSensor_PokesThrough404sAndChecks_FailsOnOtherErrorStatuses_SoftFailSkips()
    {
        var dag = new Dag("http_sensors");
        var ready = dag.HttpSensor("ready", "ready/{{ params.name }}", connId: "api").With(t =>
        {
            t.Data = "day={{ ds }}";
            t.PokeInterval = TimeSpan.FromMilliseconds(20);
            t.ResponseFilter = r => r.Json()!["status"]!.GetValue<string>();
        });
        dag.Params.Add("name", new Param("report"));
        var counted = dag.HttpSensor("counted", "count", connId: "api").With(t =>
        {
            t.PokeInterval = TimeSpan.FromMilliseconds(20);
            t.Mode = SensorMode.Reschedule;
            t.ResponseCheck = r => r.Json()!["count"]!.GetValue<int>() >= 3;
            t.ResponseFilter = r => r.Json()!["count"]!.GetValue<int>();
        });
        dag.HttpSensor("broken", "broken", connId: "api").With(t => t.Retries = 0);
        dag.HttpSensor("broken_soft", "broken", connId: "api").With(t => t.SoftFail = true);
        dag.HttpSensor("never", "ready/other", connId: "api").With(t =>
        {
            t.PokeInterval = TimeSpan.FromMilliseconds(20);
            t.Timeout = TimeSpan.FromMilliseconds(150);
        });
        ready.Then(counted);

        var result = Run(dag);

        Assert.True(result.TaskStates["ready"] == TaskInstanceState.Success, string.Join("\n", _log));
        Assert.Equal("ready", result.XComValue<string>("ready"));
        Assert.Contains("Not yet: 404 Not Found", _log);
        Assert.Equal(TaskInstanceState.Success, result.TaskStates["counted"]);
        Assert.Equal(3, result.XComValue<int>("counted"));
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["broken"]);
        Assert.Contains(_log, l => l.Contains("InvalidOperationException: 500:Internal Server Error", StringComparison.Ordinal));
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["broken_soft"]);
        Assert.Contains("500:Internal Server Error Skipping (soft fail).", _log);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["never"]);
        Assert.Contains(_log, l => l.Contains("Sensor has timed out", StringComparison.Ordinal));
        Assert.DoesNotContain(_log, l => l.Contains("hunter2", StringComparison.Ordinal));
    }

    [Fact]
    public void SqlSensor_DoneOnATruthyFirstRow_WaitsOnNoRowsOrFalsy_FailureCriteriaAndFailOnEmptyFail()
    {
        var dag = new Dag("sql_sensors");
        var setup = dag.Sql("setup", "CREATE TABLE signals (id INTEGER, ready INTEGER, label TEXT); INSERT INTO signals VALUES (1, 0, 'error'); INSERT INTO signals VALUES (2, 1, 'fine')", "db")
            .With(t => t.SplitStatements = true);
        var fast = TimeSpan.FromMilliseconds(20);
        var sensors = new Operator[]
        {
            dag.SqlSensor("ready", "SELECT ready, label FROM signals WHERE id = @id", "db").With(t => t.Parameters = new() { ["id"] = 2 }),
            dag.SqlSensor("falsy", "SELECT ready FROM signals WHERE id = 1", "db").With(t => { t.PokeInterval = fast; t.Timeout = TimeSpan.FromMilliseconds(120); t.Retries = 0; }),
            dag.SqlSensor("empty", "SELECT id FROM signals WHERE id < 0", "db").With(t => { t.PokeInterval = fast; t.Timeout = TimeSpan.FromMilliseconds(120); t.SoftFail = true; }),
            dag.SqlSensor("empty_fails", "SELECT id FROM signals WHERE id < 0", "db").With(t => { t.FailOnEmpty = true; t.Retries = 0; }),
            dag.SqlSensor("criteria", "SELECT ready, label FROM signals WHERE id = 1", "db").With(t =>
            {
                t.Selector = row => row[1];
                t.Failure = v => (string?)v == "error";
                t.Retries = 0;
            }),
            dag.SqlSensor("success", "SELECT label FROM signals ORDER BY id", "db").With(t => t.Success = v => (string?)v == "error"),
        };
        setup.Then(sensors);

        var result = Run(dag);

        Assert.True(result.TaskStates["ready"] == TaskInstanceState.Success, string.Join("\n", _log));
        Assert.Equal("[1,\"fine\"]", result.XComValue<JsonArray>("ready")!.ToJsonString());
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["falsy"]);
        Assert.Contains("First value 0: not yet.", _log);
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["empty"]);
        Assert.Contains("No rows yet.", _log);
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["empty_fails"]);
        Assert.Contains(_log, l => l.Contains("No rows returned, raising as per fail_on_empty flag.", StringComparison.Ordinal));
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["criteria"]);
        Assert.Contains(_log, l => l.Contains("Failure criteria met: Failure(error) returned true.", StringComparison.Ordinal));
        Assert.Equal(TaskInstanceState.Success, result.TaskStates["success"]);
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData(0L, false)]
    [InlineData(2L, true)]
    [InlineData(0.0, false)]
    [InlineData("", false)]
    [InlineData("x", true)]
    [InlineData(false, false)]
    [InlineData(true, true)]
    [InlineData(0.5, true)]
    public void SqlSensor_TruthIsPythons(object? value, bool truthy) => Assert.Equal(truthy, SqlSensor.IsTruthy(value));

    [Fact]
    public void SplitStatements_KeepsSemicolonsInQuotesAndDropsComments() =>
        Assert.Equal(
            ["INSERT INTO t VALUES ('a;b')", "SELECT \"x;y\" FROM t"],
            SqlOperator.Split("INSERT INTO t VALUES ('a;b'); -- note; here\n/* block; */ SELECT \"x;y\" FROM t;;"));

    [Theory]
    [InlineData("http", "example.com", null, null, "http://example.com/")]
    [InlineData("http", "example.com/api/v2", null, 8080, "http://example.com:8080/api/v2")]
    [InlineData("https", "example.com", null, null, "https://example.com/")]
    [InlineData("http", "example.com", "https", 8443, "https://example.com:8443/")]
    [InlineData("http", "https://example.com/base", null, 9000, "https://example.com:9000/base")]
    public void HttpBaseUri_FollowsAirflowsHostSchemaAndPort(string type, string host, string? schema, int? port, string expected) =>
        Assert.Equal(expected, HttpHook.BaseUri(new Connection("c", type) { Host = host, Schema = schema, Port = port }).ToString());

    [Fact]
    public void HttpBaseUri_WithoutAHostOrWithABadOne_SaysWhichConnection()
    {
        Assert.Contains("'c' has no host", Assert.Throws<ArgumentException>(() => HttpHook.BaseUri(new Connection("c", "http"))).Message);
        Assert.Contains("'c' does not give a valid URL", Assert.Throws<ArgumentException>(() => HttpHook.BaseUri(new Connection("c", "http") { Host = "exa mple:x:y" })).Message);
    }
}

public sealed class SqliteProvidersTests : ProvidersTests, IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"updraft-sql-{Guid.NewGuid():N}.db");

    protected override string SqlConnectionUri() => "sqlite:////" + _file.TrimStart('/');

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        File.Delete(_file);
    }
}

[Collection(PostgresCollection.Name)]
public sealed class PostgresProvidersTests(PostgresServer server) : ProvidersTests
{
    private readonly string _uri = server.CreateDatabase();

    protected override string SqlConnectionUri() => _uri;
}
