using Updraft.Core.Serialization;
using Updraft.Dags.Loading;

namespace Updraft.Scheduling.Processing;

/// <summary>What parsing the DAG folders found: each DAG serialized, the files that failed, every file looked at, and the code of each file that defined DAGs.</summary>
public sealed record ParsedDagFiles(
    IReadOnlyList<SerializedDag> Dags,
    IReadOnlyList<ImportError> ImportErrors,
    IReadOnlyList<string> Files,
    IReadOnlyList<DagCode> Codes)
{
    public static ParsedDagFiles From(DagBag bag)
    {
        ArgumentNullException.ThrowIfNull(bag);
        return new([.. bag.Dags.Values.Select(d => d.Serialized)], bag.ImportErrors, bag.Files, bag.Codes);
    }
}
