namespace Updraft.Dags.Loading;

/// <summary>Everything loaded from the DAG folders: the DAGs by id and the files that failed.</summary>
public sealed class DagBag(
    IReadOnlyDictionary<string, LoadedDag> dags,
    IReadOnlyList<ImportError> importErrors,
    IReadOnlyList<string> files,
    IReadOnlyList<Core.Serialization.DagCode>? codes = null)
{
    public IReadOnlyDictionary<string, LoadedDag> Dags { get; } = dags;

    public IReadOnlyList<ImportError> ImportErrors { get; } = importErrors;

    /// <summary>Every DAG file that was looked at.</summary>
    public IReadOnlyList<string> Files { get; } = files;

    /// <summary>The content of every file that defined DAGs, by its hash: what the DAGs' versions were built from.</summary>
    public IReadOnlyList<Core.Serialization.DagCode> Codes { get; } = codes ?? [];

    public LoadedDag GetDag(string dagId) => Dags.TryGetValue(dagId, out var dag)
        ? dag
        : throw new DagNotFoundException(dagId, ImportErrors.Count);
}
