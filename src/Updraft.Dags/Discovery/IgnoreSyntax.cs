namespace Updraft.Dags.Discovery;

/// <summary>How the lines of a <c>.updraftignore</c> file are read.</summary>
public enum IgnoreSyntax
{
    Regexp,
    Glob,
}
