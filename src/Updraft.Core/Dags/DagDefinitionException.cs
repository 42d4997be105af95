namespace Updraft.Core.Dags;

/// <summary>A DAG that is not well formed: a cycle, a duplicate task id, a bad setting. Carries where it was defined.</summary>
public sealed class DagDefinitionException : Exception
{
    public DagDefinitionException(string message, string? file = null, int line = 0)
        : base(message)
    {
        File = file;
        Line = line;
    }

    public string? File { get; }

    public int Line { get; }
}
