namespace Updraft.Dags.Compilation;

/// <summary>A compiled DAG file (assembly and symbols) or its compile errors.</summary>
public sealed record CompileResult(byte[]? Assembly, byte[]? Symbols, IReadOnlyList<CompileError> Errors, bool FromCache)
{
    public bool Succeeded => Assembly is not null;

    /// <summary>Whether a DAG file compiled against its folder's shared code uses it (then its DAGs record the shared code's version).</summary>
    public bool UsesShared { get; init; }
}
