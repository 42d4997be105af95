using System.CommandLine;
using Updraft.Cli.Hosting;
using Updraft.Cli.Output;
using Updraft.Storage.Security;
using Updraft.Storage.Stores;

namespace Updraft.Cli.Commands;

/// <summary><c>updraft roles list | create | delete | add-perms | del-perms</c>, with Airflow's flags.</summary>
internal static class RolesCommands
{
    public static Command Create(Func<CliContext> context)
    {
        var roles = new Command("roles", "Manage roles and their permissions (actions on resources such as DAGs or DAG:<dag_id>).");

        var permissions = new Option<bool>("--permission", "-p") { Description = "Show each role's permissions." };
        var listOutput = CommonOptions.Output();
        var list = new Command("list", "List roles.") { permissions, listOutput };
        list.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var all = await (await StoreAsync(ctx, cancellationToken)).ListAsync(cancellationToken);
            var withPermissions = parse.GetValue(permissions);
            string[] columns = withPermissions ? ["name", "permissions"] : ["name"];
            Rows.Write(ctx.Environment.Out, parse.GetValue(listOutput), columns, [.. all.Select(r => withPermissions
                ? DagsCommands.Row(("name", r.Name), ("permissions", string.Join(",", r.Permissions.Select(p => $"{p.Resource}:{p.Action}"))))
                : DagsCommands.Row(("name", r.Name)))]);
            return 0;
        });

        var createNames = new Argument<string[]>("role") { Description = "Role names.", Arity = ArgumentArity.OneOrMore };
        var create = new Command("create", "Create roles.") { createNames };
        create.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var store = await StoreAsync(ctx, cancellationToken);
            foreach (var name in parse.GetValue(createNames)!)
            {
                if (string.IsNullOrWhiteSpace(name))
                {
                    throw new CliException("A role needs a name.");
                }

                ctx.Environment.Out.WriteLine(await store.CreateAsync(name, cancellationToken) ? $"Role \"{name}\" created" : $"Role \"{name}\" already exists");
            }

            return 0;
        });

        var deleteNames = new Argument<string[]>("role") { Description = "Role names.", Arity = ArgumentArity.OneOrMore };
        var delete = new Command("delete", "Delete roles (users lose them).") { deleteNames };
        delete.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var store = await StoreAsync(ctx, cancellationToken);
            var names = parse.GetValue(deleteNames)!;
            foreach (var name in names)
            {
                if (!await store.ExistsAsync(name, cancellationToken))
                {
                    throw new CliException($"Role named '{name}' does not exist");
                }
            }

            foreach (var name in names)
            {
                await store.DeleteAsync(name, cancellationToken);
                ctx.Environment.Out.WriteLine($"Role \"{name}\" deleted");
            }

            return 0;
        });

        roles.Add(list);
        roles.Add(create);
        roles.Add(delete);
        roles.Add(PermsCommand(context, "add-perms", add: true));
        roles.Add(PermsCommand(context, "del-perms", add: false));
        return roles;
    }

    private static Command PermsCommand(Func<CliContext> context, string name, bool add)
    {
        var role = new Argument<string[]>("role") { Description = "Role names.", Arity = ArgumentArity.OneOrMore };
        var resources = new Option<string[]>("--resource", "-r") { Description = "Resources (DAGs, DAG Runs, Variables, …, or DAG:<dag_id>).", Required = true, AllowMultipleArgumentsPerToken = true };
        var actions = new Option<string[]>("--action", "-a") { Description = "Actions (can_read, can_edit, can_create, can_delete, menu_access).", Required = true, AllowMultipleArgumentsPerToken = true };
        var command = new Command(name, add ? "Give roles permissions." : "Take permissions from roles.") { role, resources, actions };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var ctx = context();
            var store = await StoreAsync(ctx, cancellationToken);
            var wanted = parse.GetValue(resources)!.SelectMany(r => parse.GetValue(actions)!.Select(a => new Permission(a, r))).ToList();
            foreach (var permission in wanted)
            {
                if (Permissions.Check(permission) is { } why)
                {
                    throw new CliException(why);
                }
            }

            foreach (var roleName in parse.GetValue(role)!)
            {
                if (!await store.ExistsAsync(roleName, cancellationToken))
                {
                    throw new CliException($"Role named '{roleName}' does not exist");
                }
            }

            foreach (var roleName in parse.GetValue(role)!)
            {
                var changed = add ? await store.AddPermissionsAsync(roleName, wanted, cancellationToken) : await store.RemovePermissionsAsync(roleName, wanted, cancellationToken);
                ctx.Environment.Out.WriteLine($"{(add ? "Added" : "Removed")} {changed} permission(s) {(add ? "to" : "from")} role \"{roleName}\"");
            }

            return 0;
        });
        return command;
    }

    private static async Task<RoleStore> StoreAsync(CliContext ctx, CancellationToken cancellationToken) => new(await ctx.ReadyDatabaseAsync(cancellationToken));
}
