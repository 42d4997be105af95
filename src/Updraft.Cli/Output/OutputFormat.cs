namespace Updraft.Cli.Output;

/// <summary>The <c>-o</c> formats every listing command takes.</summary>
public enum OutputFormat
{
    Table,
    Json,
    Yaml,
    Plain,
}
