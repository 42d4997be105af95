using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Updraft.Server.RestApi.V2;

/// <summary>
/// Airflow 3's bulk routes (<c>PATCH /pools</c>, <c>/variables</c>, <c>/connections</c>): a list of create, update and
/// delete actions, each applied to its entities one by one; the answer lists per action what succeeded and what
/// failed with why (a failed entity does not stop the others, as in Airflow).
/// </summary>
internal static class Bulk
{
    public sealed record Handlers<T>(
        Func<T, string> Key,
        Func<string, CancellationToken, Task<bool>> ExistsAsync,
        Func<T, CancellationToken, Task> WriteAsync,
        Func<string, CancellationToken, Task> DeleteAsync)
        where T : class;

    public static async Task<IResult> RunAsync<T>(HttpContext context, string resource, Handlers<T> handlers)
        where T : class
    {
        var body = await ApiBody.ReadAsync<BulkBody>(context.Request, context.RequestAborted);

        // Each action needs its own permission (creating, editing, deleting), checked before anything is done.
        var permissions = context.Caller().Permissions;
        for (var i = 0; i < body.Actions.Count; i++)
        {
            var kind = Text(body.Actions[i], "action");
            var needed = kind switch
            {
                "create" => Text(body.Actions[i], "action_on_existence") == "overwrite" ? [Storage.Security.Permissions.Create, Storage.Security.Permissions.Edit] : new[] { Storage.Security.Permissions.Create },
                "update" => [Storage.Security.Permissions.Edit],
                "delete" => [Storage.Security.Permissions.Delete],
                _ => throw ApiException.Invalid(["body", "actions", i, "action"], "Input should be 'create', 'update' or 'delete'", "literal_error", kind),
            };
            if (!needed.All(p => permissions.Has(p, resource)))
            {
                throw new ApiException(403, "Forbidden");
            }

            if (body.Actions[i]["entities"] is not JsonArray)
            {
                throw ApiException.Invalid(["body", "actions", i, "entities"], "Field required", "missing");
            }
        }

        var result = new JsonObject();
        for (var i = 0; i < body.Actions.Count; i++)
        {
            var action = body.Actions[i];
            var kind = Text(action, "action")!;
            var entities = (JsonArray)action["entities"]!;
            var success = new JsonArray();
            var errors = new JsonArray();
            foreach (var (entity, index) in entities.Select((e, n) => (e, n)))
            {
                try
                {
                    switch (kind)
                    {
                        case "create":
                        case "update":
                            var item = ApiBody.Bind<T>(entity, ["body", "actions", i, "entities", index]);
                            var key = handlers.Key(item);
                            var exists = await handlers.ExistsAsync(key, context.RequestAborted);
                            var onExistence = Text(action, "action_on_existence") ?? "fail";
                            var onMissing = Text(action, "action_on_non_existence") ?? "fail";
                            if (kind == "create" && exists && onExistence == "skip" || kind == "update" && !exists && onMissing == "skip")
                            {
                                continue;
                            }

                            if (kind == "create" && exists && onExistence != "overwrite")
                            {
                                throw new ApiException(409, $"The {typeof(T).Name.Replace("Body", "", StringComparison.Ordinal).ToLowerInvariant()} with these keys: {{'{key}'}} already exist.");
                            }

                            if (kind == "update" && !exists)
                            {
                                throw new ApiException(404, $"The {typeof(T).Name.Replace("Body", "", StringComparison.Ordinal).ToLowerInvariant()} with these keys: {{'{key}'}} were not found.");
                            }

                            await handlers.WriteAsync(item, context.RequestAborted);
                            success.Add(key);
                            break;
                        case "delete":
                            var name = entity is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw ApiException.Invalid(["body", "actions", i, "entities", index], "Input should be a valid string", "string_type");
                            if (!await handlers.ExistsAsync(name, context.RequestAborted))
                            {
                                if ((Text(action, "action_on_non_existence") ?? "fail") == "skip")
                                {
                                    continue;
                                }

                                throw new ApiException(404, $"The entity with these keys: {{'{name}'}} were not found.");
                            }

                            await handlers.DeleteAsync(name, context.RequestAborted);
                            success.Add(name);
                            break;
                        default:
                            throw ApiException.Invalid(["body", "actions", i, "action"], "Input should be 'create', 'update' or 'delete'", "literal_error", kind);
                    }
                }
                catch (ApiException e) when (e.Status is 404 or 409 or 400)
                {
                    errors.Add(new JsonObject { ["error"] = e.Detail as string, ["status_code"] = e.Status });
                }
            }

            result[kind] = new JsonObject { ["success"] = success, ["errors"] = errors };
        }

        return V2.Json(result);
    }

    /// <summary>A text field of an action; anything else there is a 422.</summary>
    private static string? Text(JsonObject action, string field) => action[field] switch
    {
        null => null,
        JsonValue v when v.TryGetValue<string>(out var text) => text,
        var other => throw ApiException.Invalid(["body", "actions", field], "Input should be a valid string", "string_type", other.ToJsonString()),
    };

    public sealed record BulkBody(IReadOnlyList<JsonObject> Actions);
}
