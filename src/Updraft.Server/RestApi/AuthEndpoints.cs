using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Server.Security;
using Updraft.Storage.Stores;

namespace Updraft.Server.RestApi;

/// <summary>
/// Signing in: <c>POST /auth/token</c> trades a username and password for a bearer token (Airflow 3's simple auth
/// manager's shape); <c>POST /auth/login</c> does the same for a browser, as an HttpOnly session cookie plus a CSRF
/// cookie whose value unsafe requests must echo in <c>X-CSRF-Token</c>; <c>POST /auth/logout</c> clears both.
/// </summary>
public static class AuthEndpoints
{
    public const string SessionCookie = "updraft_session";
    public const string CsrfCookie = "updraft_csrf";
    public const string CsrfHeader = "X-CSRF-Token";

    public static void MapAuth(this IEndpointRouteBuilder app)
    {
        app.MapPost("/auth/token", async (HttpContext context, UserStore users, UserTokens tokens, LoginThrottle throttle, TimeProvider time) =>
            Results.Json(new LoginResponse(await SignInAsync(context, users, tokens, throttle, time)), ApiJson.Options, statusCode: 201))
            .Accepts<LoginBody>("application/json").Anonymous();

        app.MapPost("/auth/login", async (HttpContext context, UserStore users, UserTokens tokens, LoginThrottle throttle, TimeProvider time) =>
        {
            var token = await SignInAsync(context, users, tokens, throttle, time);
            var secure = context.Request.IsHttps;
            var expires = time.GetUtcNow() + tokens.Lifetime;
            context.Response.Cookies.Append(SessionCookie, token, new CookieOptions { HttpOnly = true, SameSite = SameSiteMode.Strict, Secure = secure, Path = "/", Expires = expires });
            context.Response.Cookies.Append(CsrfCookie, Convert.ToHexString(RandomNumberGenerator.GetBytes(32)), new CookieOptions { HttpOnly = false, SameSite = SameSiteMode.Strict, Secure = secure, Path = "/", Expires = expires });
            return Results.NoContent();
        }).Accepts<LoginBody>("application/json").Anonymous();

        app.MapPost("/auth/logout", (HttpContext context) =>
        {
            context.Response.Cookies.Delete(SessionCookie, new CookieOptions { Path = "/" });
            context.Response.Cookies.Delete(CsrfCookie, new CookieOptions { Path = "/" });
            return Results.NoContent();
        }).Anonymous();
    }

    public sealed record LoginBody(string Username, string Password);

    public sealed record LoginResponse(string AccessToken);

    private static async Task<string> SignInAsync(HttpContext context, UserStore users, UserTokens tokens, LoginThrottle throttle, TimeProvider time)
    {
        var body = await ApiBody.ReadAsync<LoginBody>(context.Request, context.RequestAborted);
        var client = context.Connection.RemoteIpAddress?.ToString() ?? "";
        if (throttle.RetryAfter(body.Username, client) is { } wait)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            throw new ApiException(429, "Too many failed logins; try again later.");
        }

        throttle.Begin(body.Username, client);
        if (await users.VerifyAsync(body.Username, body.Password, time.GetUtcNow(), context.RequestAborted) is not { } user)
        {
            throw new ApiException(401, "Invalid credentials");
        }

        throttle.Succeeded(body.Username, client);
        return tokens.Issue(user.Username);
    }
}
