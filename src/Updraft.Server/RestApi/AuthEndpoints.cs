using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Server.Security;
using Updraft.Storage.Stores;

namespace Updraft.Server.RestApi;

/// <summary><c>POST /auth/token</c>: a username and password for a bearer token (Airflow 3's simple auth manager's shape).</summary>
public static class AuthEndpoints
{
    public static void MapAuth(this IEndpointRouteBuilder app)
    {
        app.MapPost("/auth/token", async (HttpContext context, UserStore users, UserTokens tokens, LoginThrottle throttle, TimeProvider time) =>
        {
            var body = await ApiBody.ReadAsync<LoginBody>(context.Request, context.RequestAborted);
            var client = context.Connection.RemoteIpAddress?.ToString() ?? "";
            if (throttle.RetryAfter(body.Username, client) is { } wait)
            {
                context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
                throw new ApiException(429, "Too many failed logins; try again later.");
            }

            if (await users.VerifyAsync(body.Username, body.Password, time.GetUtcNow(), context.RequestAborted) is not { } user)
            {
                throttle.Failed(body.Username, client);
                throw new ApiException(401, "Invalid credentials");
            }

            throttle.Succeeded(user.Username);
            return Results.Json(new LoginResponse(tokens.Issue(user.Username)), ApiJson.Options, statusCode: 201);
        }).Accepts<LoginBody>("application/json").Anonymous();
    }

    public sealed record LoginBody(string Username, string Password);

    public sealed record LoginResponse(string AccessToken);
}
