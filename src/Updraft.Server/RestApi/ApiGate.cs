using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Updraft.Core.Dags;
using Updraft.Scheduling.Operations;
using Updraft.Server.Security;
using Updraft.Storage.Queries;
using Updraft.Storage.Security;
using Updraft.Storage.Stores;

namespace Updraft.Server.RestApi;

/// <summary>
/// Stands in front of every REST route (<c>/api/</c>, <c>/auth/</c>): authenticates the caller (a bearer token from
/// <c>/auth/token</c>), checks the route's <see cref="RequiredPermission"/> against the caller's roles, and answers
/// refusals and errors in Airflow's shape — <c>{"detail": …}</c> with 401, 403, 404, 405, 409, 413 or 422.
/// </summary>
public sealed partial class ApiGate(UserTokens tokens, BasicAuthentication basic, UserStore users, EventLogStore events, ListCache cache, TimeProvider timeProvider, ILogger<ApiGate> logger)
{
    /// <summary>How long a user's permissions are reused between requests: a role change takes effect within this.</summary>
    public static readonly TimeSpan PermissionsFor = TimeSpan.FromSeconds(2);

    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (PermissionSet Permissions, DateTimeOffset Until)> _permissions = new(StringComparer.Ordinal);

    public static bool IsRestPath(PathString path) =>
        path.StartsWithSegments("/api", StringComparison.Ordinal) || path.StartsWithSegments("/auth", StringComparison.Ordinal) || path.StartsWithSegments("/ui", StringComparison.Ordinal);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!IsRestPath(context.Request.Path))
        {
            await next(context);
            return;
        }

        try
        {
            if (await AdmitAsync(context))
            {
                await next(context);
                if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && context.Response.StatusCode < 400)
                {
                    // Something changed through this server: no cached list may hide it.
                    cache.Invalidate();
                }

                await AuditAsync(context);
            }
        }
        catch (Exception e) when (Status(e) is { } status && !context.Response.HasStarted)
        {
            await WriteAsync(context, status.Code, status.Detail);
        }
        catch (Exception e) when (!context.Response.HasStarted && e is not OperationCanceledException)
        {
            // The message can hold anything (a connection string, a value): the caller gets a generic answer.
            LogUnexpected(logger, e, context.Request.Method, context.Request.Path);
            await WriteAsync(context, 500, "Internal Server Error");
        }
    }

    /// <summary>Whether the request is to Airflow 2's API (<c>/api/v1</c>): basic auth, problem+json errors, 400 for validation.</summary>
    public static bool IsV1(HttpContext context) => context?.Request.Path.StartsWithSegments("/api/v1", StringComparison.Ordinal) == true;

    public static Task WriteAsync(HttpContext context, int status, object detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (IsV1(context))
        {
            // Airflow 2 answered validation errors with 400 and a problem document whose detail is a message.
            if (detail is IEnumerable<ValidationError> errors)
            {
                status = status == 422 ? 400 : status;
                detail = string.Join("; ", errors.Select(e => $"{string.Join(".", e.Loc.Skip(1))}: {e.Msg}".TrimStart(':', ' ')));
            }

            context.Response.StatusCode = status;
            context.Response.ContentType = "application/problem+json";
            var title = Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status);
            return context.Response.WriteAsync(
                JsonSerializer.Serialize(
                    new
                    {
                        type = $"https://airflow.apache.org/docs/apache-airflow/2.10.0/stable-rest-api-ref.html#section/Errors/{title.Replace(" ", "", StringComparison.Ordinal)}",
                        title,
                        status,
                        detail,
                        instance = context.Request.Path.Value ?? "",
                    },
                    ApiJson.Options),
                Encoding.UTF8);
        }

        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new { detail }, ApiJson.Options), Encoding.UTF8);
    }

    private async Task<bool> AdmitAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        if (endpoint is null)
        {
            await WriteAsync(context, 404, "Not Found");
            return false;
        }

        if (endpoint.DisplayName?.StartsWith("405 ", StringComparison.Ordinal) == true)
        {
            await WriteAsync(context, 405, "Method Not Allowed");
            return false;
        }

        if (endpoint.Metadata.GetMetadata<AnonymousRoute>() is not null)
        {
            return true;
        }

        var required = endpoint.Metadata.GetMetadata<RequiredPermission>();
        var signedInOnly = endpoint.Metadata.GetMetadata<SignedInRoute>() is not null;
        if (required is null && !signedInOnly)
        {
            // A route without a declared permission is closed rather than open.
            await WriteAsync(context, 403, "Forbidden");
            return false;
        }

        var (username, why) = await AuthenticateAsync(context);
        if (username is null)
        {
            context.Response.Headers.WWWAuthenticate = IsV1(context) ? "Basic" : "Bearer";
            await WriteAsync(context, 401, why);
            return false;
        }

        var caller = new ApiCaller(username, await PermissionsAsync(username, context.RequestAborted));
        context.Features.Set(caller);
        if (required is not null && !Allows(caller.Permissions, required, context.Request.RouteValues.TryGetValue("dag_id", out var dag) ? dag as string : null))
        {
            await WriteAsync(context, 403, "Forbidden");
            return false;
        }

        return true;
    }

    /// <summary>Drops the reused permissions: a user or role changed here takes effect on this server's next request.</summary>
    public void ForgetPermissions() => _permissions.Clear();

    private async Task<PermissionSet> PermissionsAsync(string username, CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        if (_permissions.TryGetValue(username, out var known) && now < known.Until)
        {
            return known.Permissions;
        }

        var permissions = await users.PermissionsAsync(username, cancellationToken);
        if (_permissions.Count > 10_000)
        {
            _permissions.Clear();
        }

        _permissions[username] = (permissions, now + PermissionsFor);
        return permissions;
    }

    private async Task AuditAsync(HttpContext context)
    {
        if (context.Response.StatusCode >= 400
            || context.GetEndpoint()?.Metadata.GetMetadata<AuditedRoute>() is not { } audited
            || context.Features.Get<ApiCaller>() is not { } caller)
        {
            return;
        }

        // The route's ids only: a body can hold a password or a secret value.
        var values = context.Request.RouteValues;
        string? Value(string key) => values.TryGetValue(key, out var v) ? v as string : null;
        var others = values.Where(v => v.Key is not ("dag_id" or "dag_run_id" or "task_id")).ToDictionary(v => v.Key, v => v.Value?.ToString(), StringComparer.Ordinal);
        await events.AddAsync(
            audited.Event,
            caller.Username,
            Value("dag_id"),
            Value("task_id"),
            Value("dag_run_id"),
            others.Count > 0 ? JsonSerializer.Serialize(others, ApiJson.Options) : null,
            CancellationToken.None);
    }

    /// <summary>Airflow's rule: a DAG's own routes need the action on that DAG; its runs, tasks, logs … need the action on their resource and reading the DAG.</summary>
    public static bool Allows(PermissionSet permissions, RequiredPermission required, string? dagId)
    {
        ArgumentNullException.ThrowIfNull(permissions);
        ArgumentNullException.ThrowIfNull(required);
        var oneDag = dagId is { Length: > 0 } and not "~";
        return required.Scope switch
        {
            DagScope.Dag => oneDag ? permissions.HasOnDag(required.Action, dagId!) : permissions.HasOnAnyDag(required.Action),
            // As Airflow's FAB auth manager: reading something of a DAG needs reading the DAG, changing it editing the DAG.
            DagScope.DagEntity => permissions.Has(required.Action, required.Resource)
                && (oneDag ? permissions.HasOnDag(DagAction(required.Action), dagId!) : permissions.HasOnAnyDag(DagAction(required.Action))),
            _ => permissions.Has(required.Action, required.Resource),
        };
    }

    private static string DagAction(string action) => action == Permissions.Read ? Permissions.Read : Permissions.Edit;

    private async Task<(string? Username, string Why)> AuthenticateAsync(HttpContext context)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return await tokens.ValidateAsync(header["Bearer ".Length..].Trim());
        }

        if (IsV1(context) && header.StartsWith("Basic ", StringComparison.OrdinalIgnoreCase))
        {
            return await basic.AuthenticateAsync(header["Basic ".Length..].Trim(), context.Connection.RemoteIpAddress?.ToString() ?? "", context.RequestAborted);
        }

        if (header.Length == 0 && context.Request.Cookies.TryGetValue(AuthEndpoints.SessionCookie, out var session) && session is { Length: > 0 })
        {
            // A browser sends its cookies to any page's requests: a change must also carry the CSRF cookie's value in a
            // header, which only pages of this origin can read.
            if (!HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !CsrfMatches(context))
            {
                throw new ApiException(403, "CSRF token missing or invalid");
            }

            return await tokens.ValidateAsync(session);
        }

        return (null, "Not authenticated");
    }

    private static bool CsrfMatches(HttpContext context)
    {
        var cookie = context.Request.Cookies[AuthEndpoints.CsrfCookie];
        var header = context.Request.Headers[AuthEndpoints.CsrfHeader].ToString();
        return cookie is { Length: > 0 } && header.Length == cookie.Length
            && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(cookie), Encoding.UTF8.GetBytes(header));
    }

    private static (int Code, object Detail)? Status(Exception e) => e switch
    {
        ApiException api => (api.Status, api.Detail),
        OperationException { Kind: OperationError.NotFound } op => (404, op.Message),
        OperationException { Kind: OperationError.Conflict } op => (409, op.Message),
        OperationException { Kind: OperationError.Invalid } op => (422, op.Message),
        InvalidQueryException q => (400, q.Message),
        ParamValidationException p => (400, p.Message),
        ArgumentException a => (400, a.Message.Split(" (Parameter", 2)[0]),
        BadHttpRequestException { StatusCode: 413 } => (413, "Request body too large"),
        BadHttpRequestException b => (b.StatusCode, "Bad request"),
        _ => null,
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "REST request {Method} {Path} failed")]
    private static partial void LogUnexpected(ILogger logger, Exception error, string method, string path);
}
