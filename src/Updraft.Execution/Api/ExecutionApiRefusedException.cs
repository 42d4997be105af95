namespace Updraft.Execution.Api;

/// <summary>An execution API call was refused: its token is missing, expired, or issued for another try (HTTP 401 / 403).</summary>
public sealed class ExecutionApiRefusedException(string message, int statusCode) : Exception(message)
{
    /// <summary>The HTTP status the refusal maps to: 401 for a bad or expired token, 403 for another try's token.</summary>
    public int StatusCode { get; } = statusCode;
}
