namespace Updraft.Dags.Loading;

/// <summary>A DAG id that no loaded file defines.</summary>
public sealed class DagNotFoundException(string dagId, int importErrors) : KeyNotFoundException(
    importErrors > 0
        ? $"DAG '{dagId}' not found; {importErrors} file(s) failed to import (see 'updraft dags list-import-errors')."
        : $"DAG '{dagId}' not found.")
{
    public string DagId { get; } = dagId;
}
