using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Updraft.Core.States;
using Updraft.Scheduling;
using Updraft.Scheduling.Logging;
using Updraft.Scheduling.Tests;
using Updraft.Server.Hosting;
using Updraft.Server.RestApi;
using Updraft.Storage;
using Updraft.Storage.Security;
using Updraft.Storage.Stores;
using Updraft.Tests.Shared;

namespace Updraft.Server.Tests.RestApi;

/// <summary>
/// The real API server over HTTP on a real database: two DAGs (<c>alpha</c>: a → b with a param; <c>beta</c>, daily), run
/// <c>r1</c> of alpha with task <c>a</c> finished after one try (with a log), and one user per built-in role plus
/// <c>team</c>, whose role may only read DAG alpha.
/// </summary>
public sealed class RestApiServer : IAsyncDisposable
{
    public const string Password = "S3cret-pass!";

    private readonly Dictionary<string, HttpClient> _clients = new(StringComparer.Ordinal);

    private RestApiServer(Orchestra orchestra, ServiceProvider services, ApiServer server)
    {
        Orchestra = orchestra;
        Services = services;
        Server = server;
        Anonymous = new HttpClient { BaseAddress = server.Address };
    }

    public Orchestra Orchestra { get; }

    public ServiceProvider Services { get; }

    public ApiServer Server { get; }

    public HttpClient Anonymous { get; }

    public string JwtSecret => Orchestra.Context.Config.Get("api_auth", "jwt_secret");

    public static readonly string[] Roles = [DefaultRoles.Admin, DefaultRoles.Op, DefaultRoles.User, DefaultRoles.Viewer, DefaultRoles.Public];

    public static async Task<RestApiServer> StartAsync(string? databaseUri, bool exposeConfig = false, bool testConnection = false, TimeSpan listCache = default)
    {
        // Every query parameter a route reads must be declared (and so be in the OpenAPI document).
        ApiQuery.Strict = true;
        var orchestra = await Orchestra.CreateAsync(databaseUri);
        orchestra.WriteDag("alpha.cs", Orchestra.DagSource("alpha", """
            var a = dag.Bash("a", "echo a");
            var b = dag.Bash("b", "echo b");
            _ = a >> b;
            """, "Tags = [\"sales\"], Params = { [\"rows\"] = new Param(10) { Minimum = 1, Maximum = 100 } }"));
        orchestra.WriteDag("beta.cs", Orchestra.DagSource("beta", "dag.Empty(\"only\");").Replace("new Dag(\"beta\",", "new Dag(\"beta\", schedule: \"@daily\",", StringComparison.Ordinal));
        await orchestra.ProcessAsync();

        var run = await orchestra.TriggerAsync("alpha", "r1");
        var now = TimeProvider.System.GetUtcNow();
        await new DagRunStore(orchestra.Database).TransitionAsync(run.Id, DagRunState.Queued, DagRunState.Running, now);
        var key = new TaskInstanceKey("alpha", "r1", "a");
        var tis = new TaskInstanceStore(orchestra.Database);
        await tis.TransitionAsync([new TaskInstanceChange(key, TaskInstanceState.None, TaskInstanceState.Scheduled)], now);
        await orchestra.Database.QueueAsync([key], now);
        Assert.True(await tis.StartAsync(key, 1, "worker-1", 4242, now));
        Assert.True(await tis.FinishAsync(key, 1, TaskInstanceState.Success, now));
        var log = TaskLogPaths.For(orchestra.LogFolder, key, 1);
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        await File.WriteAllTextAsync(log, "line one\nline two\n");

        var config = orchestra.Context.Config;
        var services = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddSingleton(config)
            .AddUpdraftStorage(orchestra.Database)
            .AddUpdraftOperations()
            .AddSingleton(s => new SecretStore(orchestra.Database, new Core.Secrets.MultiFernet(config.Get("core", "fernet_key")), TimeProvider.System))
            .AddSingleton(orchestra.Context.TriggerKwargs)
            .BuildServiceProvider();
        var users = services.GetRequiredService<UserStore>();
        var roles = services.GetRequiredService<RoleStore>();
        foreach (var role in Roles)
        {
            Assert.True(await users.CreateAsync(new UserRecord { Username = role.ToLowerInvariant(), Roles = [role] }, Password, now));
        }

        Assert.True(await roles.CreateAsync("alpha_readers"));
        await roles.AddPermissionsAsync("alpha_readers", [
            new Permission(Permissions.Read, Permissions.Dag("alpha")),
            new Permission(Permissions.Read, Permissions.DagRuns),
            new Permission(Permissions.Read, Permissions.TaskInstances),
            new Permission(Permissions.Read, Permissions.TaskLogs),
            new Permission(Permissions.Read, Permissions.Backfills),
        ]);
        Assert.True(await users.CreateAsync(new UserRecord { Username = "team", Roles = ["alpha_readers"] }, Password, now));

        var options = new ApiServerOptions
        {
            Host = "127.0.0.1",
            Port = 0,
            JwtSecret = config.Get("api_auth", "jwt_secret"),
            ExposeConfig = exposeConfig,
            TestConnection = testConnection,
            ListCacheLifetime = listCache,
            LogFolder = orchestra.LogFolder,
            MaxRequestBodySize = 64 * 1024,
        };
        var server = await ApiServer.StartAsync(options, orchestra.Service, services);
        return new RestApiServer(orchestra, services, server);
    }

    public async Task<string> TokenAsync(string username, string password = Password)
    {
        using var response = await Anonymous.PostAsJsonAsync("auth/token", new { username, password });
        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonObject>())!["access_token"]!.GetValue<string>();
    }

    /// <summary>A client that sends <paramref name="username"/>'s bearer token.</summary>
    public async Task<HttpClient> AsAsync(string username)
    {
        if (!_clients.TryGetValue(username, out var client))
        {
            client = new HttpClient { BaseAddress = Server.Address };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await TokenAsync(username));
            _clients[username] = client;
        }

        return client;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients.Values)
        {
            client.Dispose();
        }

        Anonymous.Dispose();
        await Server.DisposeAsync();
        await Services.DisposeAsync();
        await Orchestra.DisposeAsync();
    }
}
