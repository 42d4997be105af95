namespace Updraft.Dags.Compilation;

/// <summary>One compiler error in a DAG file (or, for shared code, in the file <see cref="File"/>).</summary>
public sealed record CompileError(int Line, int Column, string Id, string Message)
{
    /// <summary>The file the error is in, when a compilation has several (shared code); null for a DAG file's own.</summary>
    public string? File { get; init; }

    public override string ToString() => $"({Line},{Column}): error {Id}: {Message}";
}
