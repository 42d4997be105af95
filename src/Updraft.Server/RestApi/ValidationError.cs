namespace Updraft.Server.RestApi;

/// <summary>One entry of a 422 response's <c>detail</c> list, in FastAPI's shape.</summary>
public sealed record ValidationError(string Type, IReadOnlyList<object> Loc, string Msg, object? Input);
