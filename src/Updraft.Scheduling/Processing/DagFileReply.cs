using Updraft.Dags.Loading;

namespace Updraft.Scheduling.Processing;

/// <summary>
/// One line back from a DAG-file child process: the file's DAGs (serialized JSON), its import errors, and whether the
/// child is unfit to go on (a build it had to abandon is still running on one of its threads).
/// </summary>
public sealed record DagFileReply(IReadOnlyList<string> Dags, IReadOnlyList<ImportError> Errors, bool Unfit);
