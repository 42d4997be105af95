namespace Updraft.Dags.Loading;

/// <summary>A DAG file that could not be loaded: where, and why.</summary>
public sealed record ImportError(string Filename, int Line, string Message)
{
    /// <summary>One line: <c>file:line: message</c>.</summary>
    public override string ToString() => Line > 0 ? $"{Filename}:{Line}: {Message}" : $"{Filename}: {Message}";
}
