namespace Updraft.Core.Serialization;

/// <summary>
/// The exact content of a DAG file (C# source or a prebuilt assembly) that serialized DAG versions were built from,
/// kept by the SHA-256 of that content so a try can run its own version's code wherever it runs.
/// </summary>
public sealed record DagCode(string SourceHash, string Fileloc, byte[] Content)
{
    /// <summary>Whether the content is C# source (a <c>.cs</c> file) rather than a compiled assembly.</summary>
    public bool IsSource => Fileloc.EndsWith(".cs", StringComparison.Ordinal);
}
