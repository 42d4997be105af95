using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Storage.Security;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi;

/// <summary>
/// Users and roles, in the shape of Airflow's FAB auth manager API (<c>/auth/fab/v1/users</c>, <c>/roles</c>,
/// <c>/permissions</c>): what the web UI's admin pages use, and what scripts written for Airflow call. Passwords are
/// taken, hashed by <see cref="UserStore"/>, and never returned.
/// </summary>
internal static class FabEndpoints
{
    public const string Prefix = "/auth/fab/v1";

    public static void MapFab(this IEndpointRouteBuilder app, RestApiSettings settings)
    {
        var fab = app.MapGroup(Prefix);

        fab.MapGet("/users", async (HttpContext context, UserStore users) =>
        {
            var page = new ApiQuery(context.Request).Page(settings.MaximumPageLimit, "username");
            var all = await users.ListAsync(context.RequestAborted);
            return Json(new { users = all.Skip(page.Offset).Take(page.Limit).Select(User).ToList(), total_entries = all.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array").Requires(Read, Users);

        fab.MapGet("/users/{username}", async (string username, HttpContext context, UserStore users) =>
            Json(User(await users.GetAsync(username, context.RequestAborted) ?? throw UserNotFound(username)))).Requires(Read, Users);

        fab.MapPost("/users", async (HttpContext context, UserStore users, RoleStore roles, TimeProvider time) =>
        {
            var body = await ApiBody.ReadAsync<UserBody>(context.Request, context.RequestAborted);
            var username = Required(body.Username, "username");
            var password = Required(body.Password, "password");
            var wanted = await RolesAsync(body.Roles ?? [], roles, context.RequestAborted);
            var user = new UserRecord { Username = username, FirstName = body.FirstName ?? "", LastName = body.LastName ?? "", Email = body.Email ?? "", Roles = wanted };
            if (!await users.CreateAsync(user, password, time.GetUtcNow(), context.RequestAborted))
            {
                throw ApiException.Conflict($"Username `{username}` already exists. Use PATCH to update.");
            }

            return Json(User((await users.GetAsync(username, context.RequestAborted))!));
        }).Accepts<UserBody>("application/json").Requires(Create, Users).Audited("user.create");

        fab.MapPatch("/users/{username}", async (string username, HttpContext context, UserStore users, RoleStore roles, ApiGate gate) =>
        {
            var body = await ApiBody.ReadAsync<UserBody>(context.Request, context.RequestAborted);
            var current = await users.GetAsync(username, context.RequestAborted) ?? throw UserNotFound(username);
            var mask = Mask(context, ["first_name", "last_name", "email", "roles", "password", "active"]);
            bool Take(string field) => mask.Count == 0 || mask.Contains(field);
            if (body.Username is { } renamed && renamed != username)
            {
                throw ApiException.BadRequest($"The username cannot be changed (from `{username}` to `{renamed}`); create a new user instead.");
            }

            var updated = current with
            {
                FirstName = Take("first_name") && body.FirstName is { } first ? first : current.FirstName,
                LastName = Take("last_name") && body.LastName is { } last ? last : current.LastName,
                Email = Take("email") && body.Email is { } email ? email : current.Email,
                Active = Take("active") && body.Active is { } active ? active : current.Active,
                Roles = Take("roles") && body.Roles is { } given ? await RolesAsync(given, roles, context.RequestAborted) : current.Roles,
            };
            if (username == context.Caller().Username && (!updated.Active || !updated.Roles.Contains(DefaultRoles.Admin, StringComparer.Ordinal)) && current.Roles.Contains(DefaultRoles.Admin, StringComparer.Ordinal))
            {
                throw ApiException.BadRequest("You cannot deactivate yourself or take the Admin role from yourself; ask another admin.");
            }

            await users.UpdateAsync(updated, context.RequestAborted);
            if (Take("password") && !string.IsNullOrEmpty(body.Password))
            {
                await users.ResetPasswordAsync(username, body.Password, context.RequestAborted);
            }

            gate.ForgetPermissions();

            return Json(User((await users.GetAsync(username, context.RequestAborted))!));
        }).Accepts<UserBody>("application/json").Query("update_mask:array").Requires(Edit, Users).Audited("user.update");

        fab.MapDelete("/users/{username}", async (string username, HttpContext context, UserStore users, ApiGate gate) =>
        {
            if (username == context.Caller().Username)
            {
                throw ApiException.BadRequest("You cannot delete yourself; ask another admin.");
            }

            var deleted = await users.DeleteAsync(username, context.RequestAborted);
            gate.ForgetPermissions();
            return deleted ? Results.NoContent() : throw UserNotFound(username);
        }).Requires(Delete, Users).Audited("user.delete");

        fab.MapGet("/roles", async (HttpContext context, RoleStore roles) =>
        {
            var page = new ApiQuery(context.Request).Page(settings.MaximumPageLimit, "name");
            var all = await roles.ListAsync(context.RequestAborted);
            return Json(new { roles = all.Skip(page.Offset).Take(page.Limit).Select(Role).ToList(), total_entries = all.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array").Requires(Read, Roles);

        fab.MapGet("/roles/{role_name}", async (string role_name, HttpContext context, RoleStore roles) =>
            Json(Role(await roles.GetAsync(role_name, context.RequestAborted) ?? throw RoleNotFound(role_name)))).Requires(Read, Roles);

        fab.MapPost("/roles", async (HttpContext context, RoleStore roles) =>
        {
            var body = await ApiBody.ReadAsync<RoleBody>(context.Request, context.RequestAborted);
            var name = Required(body.Name, "name");
            var permissions = Permissions(body.Actions ?? []);
            if (!await roles.CreateAsync(name, context.RequestAborted))
            {
                throw ApiException.Conflict($"Role with name `{name}` already exists; please update with a PATCH request.");
            }

            await roles.AddPermissionsAsync(name, permissions, context.RequestAborted);
            return Json(Role((await roles.GetAsync(name, context.RequestAborted))!));
        }).Accepts<RoleBody>("application/json").Requires(Create, Roles).Audited("role.create");

        fab.MapPatch("/roles/{role_name}", async (string role_name, HttpContext context, RoleStore roles, ApiGate gate) =>
        {
            var body = await ApiBody.ReadAsync<RoleBody>(context.Request, context.RequestAborted);
            var current = await roles.GetAsync(role_name, context.RequestAborted) ?? throw RoleNotFound(role_name);
            if (body.Name is { } renamed && renamed != role_name)
            {
                throw ApiException.BadRequest($"Renaming a role is not supported (from `{role_name}` to `{renamed}`); create a new role instead.");
            }

            if (DefaultRoles.All.ContainsKey(role_name))
            {
                throw ApiException.BadRequest($"`{role_name}` is a built-in role; its permissions are set by Updraft. Create a role of your own instead.");
            }

            if (body.Actions is { } actions)
            {
                var wanted = Permissions(actions);
                await roles.RemovePermissionsAsync(role_name, [.. current.Permissions.Except(wanted)], context.RequestAborted);
                await roles.AddPermissionsAsync(role_name, [.. wanted.Except(current.Permissions)], context.RequestAborted);
                gate.ForgetPermissions();
            }

            return Json(Role((await roles.GetAsync(role_name, context.RequestAborted))!));
        }).Accepts<RoleBody>("application/json").Query("update_mask:array").Requires(Edit, Roles).Audited("role.update");

        fab.MapDelete("/roles/{role_name}", async (string role_name, HttpContext context, RoleStore roles, ApiGate gate) =>
        {
            if (DefaultRoles.All.ContainsKey(role_name))
            {
                throw ApiException.BadRequest($"`{role_name}` is a built-in role and cannot be deleted.");
            }

            var deleted = await roles.DeleteAsync(role_name, context.RequestAborted);
            gate.ForgetPermissions();
            return deleted ? Results.NoContent() : throw RoleNotFound(role_name);
        }).Requires(Delete, Roles).Audited("role.delete");

        fab.MapGet("/permissions", async (HttpContext context, RoleStore roles) =>
        {
            // Every action on every resource the built-in roles know, and any a custom role was given (per-DAG ones).
            var known = DefaultRoles.All.Values.SelectMany(p => p)
                .Concat((await roles.ListAsync(context.RequestAborted)).SelectMany(r => r.Permissions))
                .Distinct()
                .OrderBy(p => p.Resource, StringComparer.Ordinal).ThenBy(p => p.Action, StringComparer.Ordinal)
                .Select(Action)
                .ToList();
            return Json(new { actions = known, total_entries = known.Count });
        }).Query("limit:integer", "offset:integer").Requires(Read, Roles);
    }

    /// <summary>Airflow FAB's <c>UserBody</c> (and <c>UserPatch</c>).</summary>
    internal sealed record UserBody(
        string? Username = null,
        string? Password = null,
        string? FirstName = null,
        string? LastName = null,
        string? Email = null,
        bool? Active = null,
        IReadOnlyList<NamedRole>? Roles = null);

    internal sealed record NamedRole(string Name);

    /// <summary>Airflow FAB's <c>Role</c> body: a name and its actions on resources.</summary>
    internal sealed record RoleBody(string? Name = null, IReadOnlyList<ActionResource>? Actions = null);

    internal sealed record ActionResource(Named? Action, Named? Resource);

    internal sealed record Named(string Name);

    private static IResult Json(object value) => Results.Json(value, ApiJson.Options);

    private static object User(UserRecord u) => new
    {
        username = u.Username,
        first_name = u.FirstName,
        last_name = u.LastName,
        email = u.Email,
        active = u.Active,
        last_login = u.LastLogin,
        login_count = u.LoginCount,
        fail_login_count = u.FailLoginCount,
        roles = u.Roles.Select(r => new { name = r }).ToList(),
        created_on = u.CreatedAt,
        changed_on = (DateTimeOffset?)null,
    };

    private static object Role(RoleRecord r) => new { name = r.Name, actions = r.Permissions.Select(Action).ToList() };

    private static object Action(Permission p) => new { action = new { name = p.Action }, resource = new { name = p.Resource } };

    private static List<Permission> Permissions(IReadOnlyList<ActionResource> actions)
    {
        var result = new List<Permission>();
        foreach (var (item, i) in actions.Select((a, i) => (a, i)))
        {
            if (item.Action?.Name is not { Length: > 0 } action || item.Resource?.Name is not { Length: > 0 } resource)
            {
                throw ApiException.Invalid(["body", "actions", i], "Each action needs {\"action\": {\"name\": …}, \"resource\": {\"name\": …}}");
            }

            if (action is not (Read or Edit or Create or Delete or MenuAccess))
            {
                throw ApiException.BadRequest($"The action `{action}` is not one of {Read}, {Edit}, {Create}, {Delete}, {MenuAccess}.");
            }

            result.Add(new Permission(action, resource));
        }

        return [.. result.Distinct()];
    }

    private static async Task<IReadOnlyList<string>> RolesAsync(IReadOnlyList<NamedRole> wanted, RoleStore roles, CancellationToken cancellationToken)
    {
        var known = (await roles.ListAsync(cancellationToken)).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var unknown = wanted.Select(r => r.Name).Where(n => !known.Contains(n)).ToList();
        return unknown.Count > 0
            ? throw ApiException.BadRequest($"Unknown roles: {string.Join(", ", unknown.Select(n => $"`{n}`"))}")
            : [.. wanted.Select(r => r.Name).Distinct(StringComparer.Ordinal)];
    }

    private static HashSet<string> Mask(HttpContext context, string[] allowed)
    {
        var mask = new ApiQuery(context.Request).Strings("update_mask").SelectMany(m => m.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToHashSet(StringComparer.Ordinal);
        var unknown = mask.Where(m => !allowed.Contains(m)).ToList();
        return unknown.Count > 0 ? throw ApiException.BadRequest($"Unknown update masks: {string.Join(", ", unknown.Select(m => $"'{m}'"))}") : mask;
    }

    private static string Required(string? value, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw ApiException.Invalid(["body", field], "Field required", "missing") : value;

    private static ApiException UserNotFound(string username) => ApiException.NotFound($"The User with username `{username}` was not found");

    private static ApiException RoleNotFound(string name) => ApiException.NotFound($"The Role with name `{name}` was not found");
}
