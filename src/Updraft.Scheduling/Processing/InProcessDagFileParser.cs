using Updraft.Dags.Loading;

namespace Updraft.Scheduling.Processing;

/// <summary>Parses DAG files in this process with a <see cref="DagBagLoader"/>: for one-shot commands and tests, where a hostile file can only end that command.</summary>
public sealed class InProcessDagFileParser(DagBagLoader loader) : IDagFileParser
{
    public Task<ParsedDagFiles> ParseAsync(IReadOnlyList<string> folders, IReadOnlySet<string>? reparse = null, CancellationToken cancellationToken = default) =>
        Task.FromResult(ParsedDagFiles.From(loader.Load(folders)));

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
