namespace Updraft.Server.RestApi;

/// <summary>A REST request refused with <paramref name="status"/> and Airflow's <c>{"detail": …}</c> body (a message, or a list of validation errors).</summary>
public sealed class ApiException(int status, object detail) : Exception(detail as string ?? "Validation error")
{
    public int Status { get; } = status;

    public object Detail { get; } = detail;

    public static ApiException NotFound(string detail) => new(404, detail);

    public static ApiException BadRequest(string detail) => new(400, detail);

    public static ApiException Conflict(string detail) => new(409, detail);

    /// <summary>A 422 with one validation error at <paramref name="loc"/> (FastAPI's shape: type, loc, msg, input).</summary>
    public static ApiException Invalid(IReadOnlyList<object> loc, string msg, string type = "value_error", object? input = null) =>
        new(422, new[] { new ValidationError(type, loc, msg, input) });
}
