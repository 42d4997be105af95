namespace Updraft.Scheduling.Processing;

/// <summary>
/// Turns the DAG folders into serialized DAGs and import errors. The seam between the DAG processor and user code:
/// DAG files' <c>Build()</c> runs behind it, in this process (one-shot CLI commands, tests) or in child processes the
/// dag-processor can time out, kill and recycle (ADR 0013).
/// </summary>
public interface IDagFileParser : IAsyncDisposable
{
    Task<ParsedDagFiles> ParseAsync(IReadOnlyList<string> folders, CancellationToken cancellationToken = default);
}
