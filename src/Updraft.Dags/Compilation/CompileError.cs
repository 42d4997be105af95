namespace Updraft.Dags.Compilation;

/// <summary>One compiler error in a DAG file.</summary>
public sealed record CompileError(int Line, int Column, string Id, string Message)
{
    public override string ToString() => $"({Line},{Column}): error {Id}: {Message}";
}
