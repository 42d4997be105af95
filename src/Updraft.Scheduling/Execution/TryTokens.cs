using System.Globalization;
using System.Security.Claims;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Updraft.Execution.Api;

namespace Updraft.Scheduling.Execution;

/// <summary>
/// Issues and checks the tokens of the execution API: a JWT signed with <c>[api_auth] jwt_secret</c> (HMAC-SHA256),
/// naming one try and valid for <c>[execution_api] jwt_expiration_time</c>; heartbeats hand out fresh ones.
/// A token proves which try is calling: it is refused for any other try.
/// </summary>
public sealed class TryTokens
{
    private const string Issuer = "updraft";
    private const string Audience = "updraft:execution-api";
    private readonly SymmetricSecurityKey _key;
    private readonly SigningCredentials _signing;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TimeSpan _lifetime;
    private readonly TimeProvider _timeProvider;

    // Tokens already checked, with their expiry: a try makes several calls with one token, and checking a signature
    // each time is the costliest part of a call. Bounded; an entry is only trusted until its token expires.
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, (TryIdentity Id, DateTime Expires)> _checked = new(StringComparer.Ordinal);

    public TryTokens(string secret, TimeSpan lifetime, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (lifetime <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(lifetime), "[execution_api] jwt_expiration_time must be more than 0 seconds.");
        }

        // HMAC-SHA256 wants a key of at least 256 bits: derive one from whatever secret is configured.
        _key = new SymmetricSecurityKey(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)));
        _signing = new SigningCredentials(_key, SecurityAlgorithms.HmacSha256);
        _lifetime = lifetime;
        _timeProvider = timeProvider;
    }

    public TimeSpan Lifetime => _lifetime;

    public string Issue(TryIdentity id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var now = _timeProvider.GetUtcNow().UtcDateTime;
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = Issuer,
            Audience = Audience,
            IssuedAt = now,
            NotBefore = now.AddSeconds(-30),
            Expires = now + _lifetime,
            SigningCredentials = _signing,
            Subject = new ClaimsIdentity(
            [
                new Claim("dag_id", id.DagId),
                new Claim("run_id", id.RunId),
                new Claim("task_id", id.TaskId),
                new Claim("map_index", id.MapIndex.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer),
                new Claim("try_number", id.TryNumber.ToString(CultureInfo.InvariantCulture), ClaimValueTypes.Integer),
            ]),
        });
    }

    /// <summary>The try a token was issued for; <see cref="ExecutionApiRefusedException"/> (401) when it is not a valid, current token.</summary>
    public async Task<TryIdentity> ValidateAsync(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            throw new ExecutionApiRefusedException("The execution API needs the try's token.", 401);
        }

        if (_checked.TryGetValue(token, out var known))
        {
            if (_timeProvider.GetUtcNow().UtcDateTime < known.Expires)
            {
                return known.Id;
            }

            _checked.TryRemove(token, out _);
        }

        var result = await _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = Issuer,
            ValidAudience = Audience,
            IssuerSigningKey = _key,
            ClockSkew = TimeSpan.Zero,
            LifetimeValidator = (notBefore, expires, _, _) =>
                expires is { } end && _timeProvider.GetUtcNow().UtcDateTime < end && (notBefore is not { } start || start <= _timeProvider.GetUtcNow().UtcDateTime),
        });
        if (!result.IsValid)
        {
            var why = result.Exception is SecurityTokenExpiredException or SecurityTokenInvalidLifetimeException ? "expired" : "not valid";
            throw new ExecutionApiRefusedException($"The execution API token is {why}.", 401);
        }

        var claims = result.Claims;
        var id = new TryIdentity(
            (string)claims["dag_id"],
            (string)claims["run_id"],
            (string)claims["task_id"],
            Convert.ToInt32(claims["map_index"], CultureInfo.InvariantCulture),
            Convert.ToInt32(claims["try_number"], CultureInfo.InvariantCulture));
        if (_checked.Count > 10_000)
        {
            _checked.Clear();
        }

        _checked[token] = (id, result.SecurityToken.ValidTo);
        return id;
    }

    /// <summary>Checks that <paramref name="token"/> is valid and was issued for <paramref name="id"/>: 401 when it is not valid, 403 when it is another try's.</summary>
    public async Task AuthorizeAsync(string? token, TryIdentity id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (await ValidateAsync(token) != id)
        {
            throw new ExecutionApiRefusedException($"The token was issued for another try; it does not allow calls about {id}.", 403);
        }
    }
}
