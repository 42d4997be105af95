namespace Updraft.Scheduling.Processing;

/// <summary>One line to a DAG-file child process: a file and the exact content to parse as that file.</summary>
public sealed record DagFileRequest(string Path, byte[] Content, string SourceHash);
