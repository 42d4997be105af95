using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Updraft.Storage.Security;
using Updraft.Storage.Stores;

namespace Updraft.Server.Tests.RestApi;

/// <summary>Permission edges of the REST API: per-DAG write rules, bulk actions, what restricted roles see, secrets written back.</summary>
public sealed class RestApiSecurityTests : IAsyncLifetime
{
    private RestApiServer _api = null!;

    public async Task InitializeAsync()
    {
        _api = await RestApiServer.StartAsync(null);
        var roles = _api.Services.GetRequiredService<RoleStore>();
        var users = _api.Services.GetRequiredService<UserStore>();
        await roles.CreateAsync("team_a");
        await roles.AddPermissionsAsync("team_a", [
            new(Permissions.Read, Permissions.Dag("alpha")), new(Permissions.Edit, Permissions.Dag("alpha")), new(Permissions.Read, Permissions.Dag("beta")),
            new(Permissions.Create, Permissions.DagRuns), new(Permissions.Read, Permissions.DagRuns), new(Permissions.Read, Permissions.ImportErrors),
            new(Permissions.Edit, Permissions.Connections), new(Permissions.Read, Permissions.Connections),
        ]);
        await users.CreateAsync(new UserRecord { Username = "ann", Roles = ["team_a"] }, RestApiServer.Password, TimeProvider.System.GetUtcNow());
    }

    public async Task DisposeAsync() => await _api.DisposeAsync();

    [Fact]
    public async Task ChangingSomethingOfADag_NeedsEditOnThatDag_ReadIsNotEnough()
    {
        var ann = await _api.AsAsync("ann");
        Assert.Equal(HttpStatusCode.Forbidden, (await ann.PostAsJsonAsync("api/v2/dags/beta/dagRuns", new { dag_run_id = "x", logical_date = (string?)null })).StatusCode);
        Assert.Null(await new DagRunStore(_api.Orchestra.Database).GetAsync("beta", "x"));
        Assert.Equal(HttpStatusCode.OK, (await ann.PostAsJsonAsync("api/v2/dags/alpha/dagRuns", new { dag_run_id = "x", logical_date = (string?)null })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await ann.GetAsync("api/v2/dags/beta/dagRuns")).StatusCode);
    }

    [Fact]
    public async Task BulkDelete_NeedsDeletePermission_NothingDeleted()
    {
        var admin = await _api.AsAsync("admin");
        await admin.PostAsJsonAsync("api/v2/connections", new { connection_id = "prod_db", conn_type = "postgres" });
        var ann = await _api.AsAsync("ann");
        using var bulk = await ann.PatchAsJsonAsync("api/v2/connections", new { actions = new[] { new { action = "delete", entities = new[] { "prod_db" } } } });
        Assert.Equal(HttpStatusCode.Forbidden, bulk.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("api/v2/connections/prod_db")).StatusCode);
    }

    [Fact]
    public async Task ConnectionTest_DisabledUnlessConfigured()
    {
        using var refused = await (await _api.AsAsync("admin")).PostAsJsonAsync("api/v2/connections/test", new { connection_id = "x", conn_type = "http", host = "localhost" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.StartsWith("Testing connection is disabled", (await refused.Content.ReadFromJsonAsync<JsonObject>())!["detail"]!.GetValue<string>(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportErrors_OnlyOfFilesWithReadableDags()
    {
        _api.Orchestra.WriteDag("broken.cs", "this is not C#");
        await new Scheduling.Processing.DagProcessor(_api.Orchestra.Context.NewLoader(), _api.Orchestra.Context.DagFolders, _api.Orchestra.Database, _api.Orchestra.Context.TriggerKwargs, TimeProvider.System).RunOnceAsync();
        var admin = await _api.AsAsync("admin");
        Assert.Single((await admin.GetFromJsonAsync<JsonObject>("api/v2/importErrors"))!["import_errors"]!.AsArray());
        Assert.Empty((await (await _api.AsAsync("ann")).GetFromJsonAsync<JsonObject>("api/v2/importErrors"))!["import_errors"]!.AsArray());
    }

    [Fact]
    public async Task ConnectionExtra_SecretsInArraysMasked_MaskedValuesWrittenBackKeepTheStoredOnes_DuplicateKeysRefused()
    {
        var admin = await _api.AsAsync("admin");
        const string Extra = "{\"hosts\":[{\"name\":\"a\",\"password\":\"s3cr3t\"}],\"token\":\"t0k3n\",\"region\":\"eu\"}";
        await admin.PostAsJsonAsync("api/v2/connections", new { connection_id = "api", conn_type = "http", extra = Extra });
        var shown = await admin.GetFromJsonAsync<JsonObject>("api/v2/connections/api");
        var text = shown!.ToJsonString();
        Assert.DoesNotContain("s3cr3t", text, StringComparison.Ordinal);
        Assert.DoesNotContain("t0k3n", text, StringComparison.Ordinal);

        // The client sends back what it read, with one field changed.
        var extra = JsonNode.Parse(shown["extra"]!.GetValue<string>())!.AsObject();
        extra["region"] = "us";
        Assert.Equal(HttpStatusCode.OK, (await admin.PatchAsJsonAsync("api/v2/connections/api", new { connection_id = "api", conn_type = "http", extra = extra.ToJsonString() })).StatusCode);
        var stored = JsonNode.Parse((await _api.Services.GetRequiredService<SecretStore>().ListConnectionsAsync("api"))[0].Extra!)!;
        Assert.Equal(("s3cr3t", "t0k3n", "us"), (stored["hosts"]![0]!["password"]!.GetValue<string>(), stored["token"]!.GetValue<string>(), stored["region"]!.GetValue<string>()));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, (await admin.PostAsJsonAsync("api/v2/connections", new { connection_id = "dup", conn_type = "http", extra = "{\"a\":1,\"a\":2}" })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync("api/v2/connections")).StatusCode);
    }
}
