namespace Updraft.Scheduling.Operations;

/// <summary>
/// An operation refused by its rules, with a message for the person who asked. <see cref="Kind"/> says how a caller
/// reports it: the CLI prints the message and exits 1; the REST API answers 404 or 409 in its own error shape.
/// </summary>
public sealed class OperationException(OperationError kind, string message) : Exception(message)
{
    public OperationError Kind { get; } = kind;

    public static OperationException DagNotFound(string dagId) => new(OperationError.NotFound, $"DAG '{dagId}' not found.");
}
