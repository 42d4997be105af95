using Updraft.Core.Dags;
using Updraft.Core.Serialization;

namespace Updraft.Dags.Loading;

/// <summary>
/// A DAG loaded from a file: the live object (for running tasks), its serialized form, and the assembly its file
/// compiled to (where types it defines, such as its own triggers, are found).
/// </summary>
public sealed record LoadedDag(Dag Dag, SerializedDag Serialized, System.Reflection.Assembly? Assembly = null);
