using System.CommandLine;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Storage.Security;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft users create | list | delete | reset-password | add-role | remove-role | export | import</c>, with Airflow's flags.</summary>
internal static class UsersCommands
{
    private static readonly string[] Columns = ["id", "username", "email", "first_name", "last_name", "roles"];

    public static Command Create(Func<CliContext> context)
    {
        var users = new Command("users", "Manage the users of the REST API and web UI.");
        users.Add(CreateCommand(context));

        var listOutput = CommonOptions.Output();
        var list = new Command("list", "List users with their roles.") { listOutput };
        list.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var (store, _) = await StoresAsync(ctx, cancellationToken);
            var all = await store.ListAsync(cancellationToken);
            Rows.Write(ctx.Environment.Out, parse.GetValue(listOutput), Columns, [.. all.Select(Row)]);
            return 0;
        });

        var deleteUser = new Option<string>("--username", "-u") { Description = "The user.", Required = true };
        var delete = new Command("delete", "Delete a user.") { deleteUser };
        delete.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var (store, _) = await StoresAsync(ctx, cancellationToken);
            var name = parse.GetValue(deleteUser)!;
            if (!await store.DeleteAsync(name, cancellationToken))
            {
                throw new CliException($"User '{name}' does not exist.");
            }

            ctx.Environment.Out.WriteLine($"User \"{name}\" deleted");
            return 0;
        });

        var resetUser = new Option<string>("--username", "-u") { Description = "The user.", Required = true };
        var resetPassword = new Option<string?>("--password", "-p") { Description = "The new password." };
        var resetRandom = new Option<bool>("--use-random-password") { Description = "Generate a password and print it once." };
        var reset = new Command("reset-password", "Set a user's password.") { resetUser, resetPassword, resetRandom };
        reset.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var (store, _) = await StoresAsync(ctx, cancellationToken);
            var name = parse.GetValue(resetUser)!;
            var password = Password(parse.GetValue(resetPassword), parse.GetValue(resetRandom), out var generated);
            if (!await store.ResetPasswordAsync(name, password, cancellationToken))
            {
                throw new CliException($"User '{name}' does not exist.");
            }

            ctx.Environment.Out.WriteLine(generated ? $"Password of \"{name}\" reset to: {password}" : $"Password of \"{name}\" reset");
            return 0;
        });

        users.Add(list);
        users.Add(delete);
        users.Add(reset);
        users.Add(RoleCommand(context, "add-role", add: true));
        users.Add(RoleCommand(context, "remove-role", add: false));
        users.Add(ExportCommand(context));
        users.Add(ImportCommand(context));
        return users;
    }

    private static Command CreateCommand(Func<CliContext> context)
    {
        var username = new Option<string>("--username", "-u") { Description = "The login name.", Required = true };
        var email = new Option<string>("--email", "-e") { Description = "The email address.", Required = true };
        var firstname = new Option<string>("--firstname", "-f") { Description = "First name.", Required = true };
        var lastname = new Option<string>("--lastname", "-l") { Description = "Last name.", Required = true };
        var role = new Option<string>("--role", "-r") { Description = "The role (Admin, Op, User, Viewer, Public or a custom one).", Required = true };
        var password = new Option<string?>("--password", "-p") { Description = "The password." };
        var random = new Option<bool>("--use-random-password") { Description = "Generate a password and print it once." };
        var create = new Command("create", "Create a user.") { username, email, firstname, lastname, role, password, random };
        create.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var (store, roles) = await StoresAsync(ctx, cancellationToken);
            var name = parse.GetValue(username)!.Trim();
            var roleName = parse.GetValue(role)!;
            if (name.Length == 0)
            {
                throw new CliException("A username is needed.");
            }

            if (!await roles.ExistsAsync(roleName, cancellationToken))
            {
                throw new CliException($"{roleName} is not a valid role. Valid roles are: {string.Join(", ", (await roles.ListAsync(cancellationToken)).Select(r => r.Name))}");
            }

            var secret = Password(parse.GetValue(password), parse.GetValue(random), out var generated);
            var user = new UserRecord { Username = name, Email = parse.GetValue(email)!, FirstName = parse.GetValue(firstname)!, LastName = parse.GetValue(lastname)!, Roles = [roleName] };
            if (!await store.CreateAsync(user, secret, ctx.Environment.Time.GetUtcNow(), cancellationToken))
            {
                throw new CliException($"User '{name}' already exists.");
            }

            ctx.Environment.Out.WriteLine(generated ? $"User \"{name}\" created with role \"{roleName}\" and password: {secret}" : $"User \"{name}\" created with role \"{roleName}\"");
            return 0;
        });
        return create;
    }

    private static Command RoleCommand(Func<CliContext> context, string name, bool add)
    {
        var username = new Option<string>("--username", "-u") { Description = "The user.", Required = true };
        var role = new Option<string>("--role", "-r") { Description = "The role.", Required = true };
        var command = new Command(name, add ? "Give a user a role." : "Take a role from a user.") { username, role };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var (store, roles) = await StoresAsync(ctx, cancellationToken);
            var (user, roleName) = (parse.GetValue(username)!, parse.GetValue(role)!);
            var record = await store.GetAsync(user, cancellationToken) ?? throw new CliException($"User '{user}' does not exist.");
            if (!await roles.ExistsAsync(roleName, cancellationToken))
            {
                throw new CliException($"{roleName} is not a valid role.");
            }

            if (add ? !await store.AddRoleAsync(user, roleName, cancellationToken) : !await store.RemoveRoleAsync(user, roleName, cancellationToken))
            {
                throw new CliException(add ? $"User \"{user}\" is already a member of role \"{roleName}\"" : $"User \"{user}\" is not a member of role \"{roleName}\"");
            }

            ctx.Environment.Out.WriteLine(add ? $"User \"{record.Username}\" added to role \"{roleName}\"" : $"User \"{record.Username}\" removed from role \"{roleName}\"");
            return 0;
        });
        return command;
    }

    private static Command ExportCommand(Func<CliContext> context)
    {
        var file = new Argument<string>("file") { Description = "A .json file to write." };
        var export = new Command("export", "Export users (never their passwords) to a JSON file.") { file };
        export.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var (store, _) = await StoresAsync(ctx, cancellationToken);
            var all = await store.ListAsync(cancellationToken);
            var json = new JsonArray([.. all.Select(u => new JsonObject
            {
                ["email"] = u.Email,
                ["firstname"] = u.FirstName,
                ["lastname"] = u.LastName,
                ["roles"] = new JsonArray([.. u.Roles.Select(r => JsonValue.Create(r))]),
                ["username"] = u.Username,
            })]);
            await CliFiles.WriteAsync(parse.GetValue(file)!, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", secret: false, cancellationToken);
            ctx.Environment.Out.WriteLine($"{all.Count} user(s) exported to {parse.GetValue(file)}");
            return 0;
        });
        return export;
    }

    private static Command ImportCommand(Func<CliContext> context)
    {
        var file = new Argument<string>("file") { Description = "A .json file as 'users export' writes it." };
        var import = new Command("import", "Create users from a JSON file (each with a random password to reset); existing users get the file's names and roles added.") { file };
        import.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var (store, roles) = await StoresAsync(ctx, cancellationToken);
            var path = parse.GetValue(file)!;
            var text = await CliFiles.ReadAsync(path, "the users file", cancellationToken);
            JsonArray entries;
            try
            {
                entries = JsonNode.Parse(text) as JsonArray ?? throw new CliException($"{path} must hold a JSON list of users.");
            }
            catch (JsonException e)
            {
                throw new CliException($"{path} is not valid JSON: {e.Message}");
            }

            // Every entry is checked before anything is written.
            var known = (await roles.ListAsync(cancellationToken)).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
            var wanted = new List<UserRecord>();
            foreach (var entry in entries)
            {
                var username = entry?["username"]?.GetValueKind() == JsonValueKind.String ? entry["username"]!.GetValue<string>() : throw new CliException($"Every user in {path} needs a \"username\".");
                var userRoles = entry["roles"] is JsonArray r ? r.Select(x => x?.GetValueKind() == JsonValueKind.String ? x.GetValue<string>() : throw new CliException($"User '{username}' in {path}: roles must be names.")).ToList() : [];
                if (userRoles.Count == 0)
                {
                    throw new CliException($"User '{username}' in {path} needs at least one role.");
                }

                if (userRoles.Find(x => !known.Contains(x)) is { } unknown)
                {
                    throw new CliException($"User '{username}' in {path}: {unknown} is not a valid role.");
                }

                wanted.Add(new UserRecord
                {
                    Username = username,
                    Email = entry["email"]?.ToString() ?? "",
                    FirstName = entry["firstname"]?.ToString() ?? "",
                    LastName = entry["lastname"]?.ToString() ?? "",
                    Roles = userRoles,
                });
            }

            var (created, updated) = (0, 0);
            foreach (var user in wanted)
            {
                if (await store.CreateAsync(user, Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)), ctx.Environment.Time.GetUtcNow(), cancellationToken))
                {
                    created++;
                    continue;
                }

                foreach (var role in user.Roles)
                {
                    await store.AddRoleAsync(user.Username, role, cancellationToken);
                }

                updated++;
            }

            ctx.Environment.Out.WriteLine($"Created {created} user(s) (reset their passwords with 'updraft users reset-password'), updated {updated}.");
            return 0;
        });
        return import;
    }

    private static async Task<(UserStore Users, RoleStore Roles)> StoresAsync(CliContext ctx, CancellationToken cancellationToken)
    {
        var database = await ctx.ReadyDatabaseAsync(cancellationToken);
        return (new UserStore(database), new RoleStore(database));
    }

    private static string Password(string? given, bool random, out bool generated)
    {
        generated = false;
        if (given is not null && random)
        {
            throw new CliException("Give either --password or --use-random-password, not both.");
        }

        if (random)
        {
            generated = true;
            return Convert.ToBase64String(RandomNumberGenerator.GetBytes(12)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        }

        return string.IsNullOrEmpty(given) ? throw new CliException("Give a password with --password, or --use-random-password.") : given;
    }

    private static Dictionary<string, object?> Row(UserRecord u) => DagsCommands.Row(
        ("id", u.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        ("username", u.Username),
        ("email", u.Email),
        ("first_name", u.FirstName),
        ("last_name", u.LastName),
        ("roles", string.Join(",", u.Roles)));
}
