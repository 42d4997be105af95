using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Updraft.Server.Security;

/// <summary>
/// The REST API's bearer tokens (<c>POST /auth/token</c>): a JWT naming the user, HMAC-SHA256 signed with
/// <c>[api_auth] jwt_secret</c>, valid for <c>[api_auth] jwt_expiration_time</c>. The secret may list several
/// comma-separated secrets for rotation: the first signs, all are accepted. The audience differs from the execution
/// API's, so a try's token is never a user's token or the other way round.
/// </summary>
public sealed class UserTokens
{
    private const string Issuer = "updraft";
    private const string Audience = "updraft:api";
    private readonly SigningCredentials _signing;
    private readonly SymmetricSecurityKey[] _keys;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeProvider _timeProvider;

    public UserTokens(string secrets, TimeSpan lifetime, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(secrets);
        var list = secrets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (list.Length == 0)
        {
            throw new ArgumentException("[api_auth] jwt_secret is empty; set it (every process of one installation must share it).", nameof(secrets));
        }

        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), "[api_auth] jwt_expiration_time must be more than 0 seconds.");
        }

        // HMAC-SHA256 wants a key of at least 256 bits: derive one from whatever secret is configured.
        _keys = [.. list.Select(s => new SymmetricSecurityKey(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(s))))];
        _signing = new SigningCredentials(_keys[0], SecurityAlgorithms.HmacSha256);
        Lifetime = lifetime;
        _timeProvider = timeProvider;
    }

    public TimeSpan Lifetime { get; }

    public string Issue(string username)
    {
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now.AddSeconds(-30),
            Expires = now + Lifetime,
            SigningCredentials = _signing,
            Subject = new ClaimsIdentity([new Claim("sub", username)]),
        });
    }

    /// <summary>The username a valid, unexpired token names; null otherwise, with why.</summary>
    public async Task<(string? Username, string Why)> ValidateAsync(string token)
    {
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKeys = _keys,
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (notBefore, expires, _, _) => expires is { } end && now < end && (notBefore is not { } start || start <= now),
        });
        if (!result.IsValid)
        {
            return (null, result.Exception is SecurityTokenExpiredException or SecurityTokenInvalidLifetimeException ? "Token expired" : "Invalid token");
        }

        return result.Claims.TryGetValue("sub", out var sub) && sub is string { Length: > 0 } name ? (name, "") : (null, "Invalid token");
    }
}
