using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Updraft.Server.Tests.RestApi;

/// <summary>Users and roles through the FAB-shaped API (<c>/auth/fab/v1</c>): Admin only, passwords never returned.</summary>
public sealed class FabApiTests : IAsyncLifetime
{
    private RestApiServer _api = null!;

    public async Task InitializeAsync() => _api = await RestApiServer.StartAsync(null);

    public async Task DisposeAsync() => await _api.DisposeAsync();

    private static async Task<JsonObject> JsonAsync(HttpResponseMessage response) => JsonNode.Parse(await response.Content.ReadAsStringAsync())!.AsObject();

    private async Task<HttpStatusCode> SignInStatusAsync(string username, string password)
    {
        using var response = await _api.Anonymous.PostAsJsonAsync("auth/token", new { username, password });
        return response.StatusCode;
    }

    [Fact]
    public async Task AnAdmin_CreatesChangesAndDeletesAUser_WhoSignsInWithTheirRoles_AndBadInputIsRefused()
    {
        var admin = await _api.AsAsync("admin");
        using (var created = await admin.PostAsJsonAsync("auth/fab/v1/users", new { username = "dana", password = "first-Pass-1", first_name = "Dana", email = "dana@example.com", roles = new[] { new { name = "Viewer" } } }))
        {
            var body = await created.Content.ReadAsStringAsync();
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.DoesNotContain("first-Pass-1", body, StringComparison.Ordinal);
            var user = JsonNode.Parse(body)!;
            Assert.Equal(("dana", "Dana", "Viewer", true), ((string?)user["username"], (string?)user["first_name"], (string?)user["roles"]![0]!["name"], (bool)user["active"]!));
        }

        Assert.Equal(HttpStatusCode.Created, await SignInStatusAsync("dana", "first-Pass-1"));
        using (var again = await admin.PostAsJsonAsync("auth/fab/v1/users", new { username = "dana", password = "x" }))
        {
            Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
            Assert.Contains("already exists", (string?)(await JsonAsync(again))["detail"], StringComparison.Ordinal);
        }

        using (var unknownRole = await admin.PostAsJsonAsync("auth/fab/v1/users", new { username = "eve", password = "x", roles = new[] { new { name = "Wizard" } } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, unknownRole.StatusCode);
            Assert.Equal("Unknown roles: `Wizard`", (string?)(await JsonAsync(unknownRole))["detail"]);
        }

        using (var noPassword = await admin.PostAsJsonAsync("auth/fab/v1/users", new { username = "eve" }))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, noPassword.StatusCode);
        }

        // A new role and password; then deactivated, the user can no longer sign in.
        using (var patched = await admin.PatchAsJsonAsync("auth/fab/v1/users/dana", new { roles = new[] { new { name = "Op" } }, password = "second-Pass-2" }))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
            Assert.Equal("Op", (string?)(await JsonAsync(patched))["roles"]![0]!["name"]);
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await SignInStatusAsync("dana", "first-Pass-1"));
        Assert.Equal(HttpStatusCode.Created, await SignInStatusAsync("dana", "second-Pass-2"));
        using (var off = await admin.PatchAsJsonAsync("auth/fab/v1/users/dana?update_mask=active", new { active = false, first_name = "ignored" }))
        {
            var body = await JsonAsync(off);
            Assert.Equal((false, "Dana"), ((bool)body["active"]!, (string?)body["first_name"]));
        }

        Assert.Equal(HttpStatusCode.Unauthorized, await SignInStatusAsync("dana", "second-Pass-2"));

        // An admin cannot lock themselves out.
        using (var self = await admin.DeleteAsync("auth/fab/v1/users/admin"))
        {
            Assert.Equal(HttpStatusCode.BadRequest, self.StatusCode);
        }

        using (var demote = await admin.PatchAsJsonAsync("auth/fab/v1/users/admin", new { roles = new[] { new { name = "Viewer" } } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, demote.StatusCode);
        }

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("auth/fab/v1/users/dana")).StatusCode);
        using (var gone = await admin.GetAsync("auth/fab/v1/users/dana"))
        {
            Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
            Assert.Equal("The User with username `dana` was not found", (string?)(await JsonAsync(gone))["detail"]);
        }

        var list = await JsonAsync(await admin.GetAsync("auth/fab/v1/users"));
        Assert.Contains(list["users"]!.AsArray(), u => (string?)u!["username"] == "viewer");
        Assert.Equal(HttpStatusCode.Forbidden, (await (await _api.AsAsync("op")).GetAsync("auth/fab/v1/users")).StatusCode);
    }

    [Fact]
    public async Task AnAdmin_MakesARoleThatReadsOneDag_BuiltInRolesStayAsTheyAre()
    {
        var admin = await _api.AsAsync("admin");
        using (var created = await admin.PostAsJsonAsync("auth/fab/v1/roles", new
        {
            name = "beta_readers",
            actions = new[]
            {
                new { action = new { name = "can_read" }, resource = new { name = "DAG:beta" } },
                new { action = new { name = "can_read" }, resource = new { name = "DAG Runs" } },
            },
        }))
        {
            Assert.Equal(HttpStatusCode.OK, created.StatusCode);
            Assert.Equal(2, (await JsonAsync(created))["actions"]!.AsArray().Count);
        }

        Assert.Equal(HttpStatusCode.OK, (await admin.PostAsJsonAsync("auth/fab/v1/users", new { username = "bea", password = "bea-Pass-1", roles = new[] { new { name = "beta_readers" } } })).StatusCode);
        var bea = new HttpClient { BaseAddress = _api.Server.Address };
        bea.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await _api.TokenAsync("bea", "bea-Pass-1"));
        Assert.Equal(HttpStatusCode.OK, (await bea.GetAsync("api/v2/dags/beta/dagRuns")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await bea.GetAsync("api/v2/dags/alpha/dagRuns")).StatusCode);

        // Taking the DAG away takes effect at once.
        using (var patched = await admin.PatchAsJsonAsync("auth/fab/v1/roles/beta_readers", new { actions = new[] { new { action = new { name = "can_read" }, resource = new { name = "DAG Runs" } } } }))
        {
            Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await bea.GetAsync("api/v2/dags/beta/dagRuns")).StatusCode);

        using (var builtIn = await admin.PatchAsJsonAsync("auth/fab/v1/roles/Viewer", new { actions = Array.Empty<object>() }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, builtIn.StatusCode);
            Assert.Contains("built-in role", (string?)(await JsonAsync(builtIn))["detail"], StringComparison.Ordinal);
        }

        Assert.Equal(HttpStatusCode.BadRequest, (await admin.DeleteAsync("auth/fab/v1/roles/Admin")).StatusCode);
        using (var badAction = await admin.PostAsJsonAsync("auth/fab/v1/roles", new { name = "odd", actions = new[] { new { action = new { name = "can_fly" }, resource = new { name = "DAGs" } } } }))
        {
            Assert.Equal(HttpStatusCode.BadRequest, badAction.StatusCode);
            Assert.Contains("can_fly", (string?)(await JsonAsync(badAction))["detail"], StringComparison.Ordinal);
        }

        var permissions = await JsonAsync(await admin.GetAsync("auth/fab/v1/permissions"));
        Assert.Contains(permissions["actions"]!.AsArray(), a => (string?)a!["action"]!["name"] == "can_read" && (string?)a["resource"]!["name"] == "DAGs");
        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync("auth/fab/v1/roles/beta_readers")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("auth/fab/v1/roles/beta_readers")).StatusCode);
    }
}
