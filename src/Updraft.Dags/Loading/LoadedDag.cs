using Updraft.Core.Dags;
using Updraft.Core.Serialization;

namespace Updraft.Dags.Loading;

/// <summary>A DAG loaded from a file: the live object (for running tasks) and its serialized form.</summary>
public sealed record LoadedDag(Dag Dag, SerializedDag Serialized);
