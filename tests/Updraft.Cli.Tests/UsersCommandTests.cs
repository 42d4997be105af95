using System.Text.Json.Nodes;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Tests;

public sealed class UsersCommandTests : IDisposable
{
    private readonly CliRunner _cli = new(loadExamples: false);

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task Users_CreateListRolesResetExportImportDelete()
    {
        Assert.Equal(0, (await _cli.RunAsync("users", "create", "-u", "ada", "-e", "ada@example.com", "-f", "Ada", "-l", "Lovelace", "-r", "Viewer", "-p", "first-pass")).Exit);
        var users = JsonNode.Parse((await _cli.RunAsync("users", "list", "-o", "json")).Out)!.AsArray();
        Assert.Equal(("ada", "Viewer"), (users[0]!["username"]!.GetValue<string>(), users[0]!["roles"]!.GetValue<string>()));
        Assert.Equal(0, (await _cli.RunAsync("users", "add-role", "-u", "ada", "-r", "Op")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("users", "remove-role", "-u", "ada", "-r", "Viewer")).Exit);
        Assert.Equal("Op", JsonNode.Parse((await _cli.RunAsync("users", "list", "-o", "json")).Out)![0]!["roles"]!.GetValue<string>());

        var reset = await _cli.RunAsync("users", "reset-password", "-u", "ada", "--use-random-password");
        var password = reset.Out.Trim().Split(' ')[^1];
        var database = MetadataDatabase.FromUri("sqlite:///" + Path.Combine(_cli.Home, "updraft.db"));
        Assert.NotNull(await new UserStore(database).VerifyAsync("ada", password, TimeProvider.System.GetUtcNow()));
        Assert.Null(await new UserStore(database).VerifyAsync("ada", "first-pass", TimeProvider.System.GetUtcNow()));

        var file = Path.Combine(_cli.Home, "users.json");
        Assert.Equal(0, (await _cli.RunAsync("users", "export", file)).Exit);
        Assert.DoesNotContain(password, await File.ReadAllTextAsync(file), StringComparison.Ordinal);
        Assert.Equal(0, (await _cli.RunAsync("users", "delete", "-u", "ada")).Exit);
        Assert.Equal(1, (await _cli.RunAsync("users", "delete", "-u", "ada")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("users", "import", file)).Exit);
        Assert.Equal("ada@example.com", JsonNode.Parse((await _cli.RunAsync("users", "list", "-o", "json")).Out)![0]!["email"]!.GetValue<string>());
    }

    [Fact]
    public async Task Roles_CreateAddDelPermsListDelete()
    {
        Assert.Equal(0, (await _cli.RunAsync("roles", "create", "etl_team")).Exit);
        Assert.Equal(0, (await _cli.RunAsync("roles", "add-perms", "etl_team", "-r", "DAG:etl", "DAG Runs", "-a", "can_read", "can_edit")).Exit);
        var role = JsonNode.Parse((await _cli.RunAsync("roles", "list", "-p", "-o", "json")).Out)!.AsArray().Single(r => r!["name"]!.GetValue<string>() == "etl_team")!;
        Assert.Equal("DAG Runs:can_edit,DAG Runs:can_read,DAG:etl:can_edit,DAG:etl:can_read", role["permissions"]!.GetValue<string>());
        Assert.Equal(0, (await _cli.RunAsync("roles", "del-perms", "etl_team", "-r", "DAG Runs", "-a", "can_edit")).Exit);
        var names = JsonNode.Parse((await _cli.RunAsync("roles", "list", "-o", "json")).Out)!.AsArray().Select(r => r!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["Admin", "Op", "Public", "User", "Viewer", "etl_team"], names);
        Assert.Equal(0, (await _cli.RunAsync("roles", "delete", "etl_team")).Exit);
    }

    [Theory]
    [InlineData(new[] { "users", "create", "-u", "x", "-e", "x@y", "-f", "X", "-l", "Y", "-r", "Wizard", "-p", "p" }, "Wizard is not a valid role.")]
    [InlineData(new[] { "users", "create", "-u", "x", "-e", "x@y", "-f", "X", "-l", "Y", "-r", "Admin" }, "Give a password with --password, or --use-random-password.")]
    [InlineData(new[] { "users", "add-role", "-u", "ghost", "-r", "Admin" }, "User 'ghost' does not exist.")]
    [InlineData(new[] { "roles", "add-perms", "Viewer", "-r", "Nope", "-a", "can_read" }, "Unknown resource 'Nope'")]
    [InlineData(new[] { "roles", "add-perms", "Viewer", "-r", "DAGs", "-a", "can_fly" }, "Unknown action 'can_fly'")]
    [InlineData(new[] { "roles", "delete", "Ghost" }, "Role named 'Ghost' does not exist")]
    public async Task BadInput_OneLineError(string[] args, string message)
    {
        var (exit, _, error) = await _cli.RunAsync(args);
        Assert.Equal(1, exit);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Single(error.Trim().Split('\n'));
    }
}
