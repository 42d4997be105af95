namespace Updraft.Scheduling.Processing;

/// <summary>
/// Turns the DAG folders into serialized DAGs and import errors. The seam between the DAG processor and user code:
/// DAG files' <c>Build()</c> runs behind it, in this process (one-shot CLI commands, tests) or in child processes the
/// dag-processor can time out, kill and recycle (ADR 0013).
/// </summary>
public interface IDagFileParser : IAsyncDisposable
{
    /// <summary>
    /// Parses the DAG files of <paramref name="folders"/>; a parser that reuses what it parsed of unchanged files
    /// parses those in <paramref name="reparse"/> again anyway (someone asked for it).
    /// </summary>
    Task<ParsedDagFiles> ParseAsync(IReadOnlyList<string> folders, IReadOnlySet<string>? reparse = null, CancellationToken cancellationToken = default);
}
