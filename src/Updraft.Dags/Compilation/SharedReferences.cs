namespace Updraft.Dags.Compilation;

/// <summary>A DAGs folder's compiled shared code as a DAG file compiles against it: its hash, its assembly and the libraries beside it.</summary>
public sealed record SharedReferences(string Hash, byte[] Assembly, IReadOnlyList<byte[]> Libraries);
