using Updraft.Core.Serialization;

namespace Updraft.Scheduling.Processing;

/// <summary>
/// One line to a DAG-file child process: a file and the exact content to parse as that file; with
/// <see cref="Callback"/>, a DAG callback to run from that code instead of a parse.
/// </summary>
public sealed record DagFileRequest(string Path, byte[] Content, string SourceHash)
{
    /// <summary>The shared-code bundle of the file's DAGs folder (or of the DAG version a callback runs), if any.</summary>
    public DagCode? Shared { get; init; }

    public DagCallbackWork? Callback { get; init; }
}
