namespace Updraft.Storage.Stores;

/// <summary>A run id that the DAG already has.</summary>
public sealed class DagRunExistsException(string dagId, string runId)
    : Exception($"A DAG run with run id '{runId}' already exists for DAG '{dagId}'.");
