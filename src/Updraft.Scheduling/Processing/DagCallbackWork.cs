using System.Text.Json.Nodes;

namespace Updraft.Scheduling.Processing;

/// <summary>
/// A DAG callback for a DAG-file child process to run: the run it is about, which callback, and the log file its
/// lines go to. Sent with the DAG file's code in a <see cref="DagFileRequest"/>.
/// </summary>
public sealed record DagCallbackWork(
    string DagId,
    string RunId,
    string RunType,
    DateTimeOffset LogicalDate,
    DateTimeOffset DataIntervalStart,
    DateTimeOffset DataIntervalEnd,
    string Conf,
    string Event,
    string Reason,
    string LogPath);

/// <summary>
/// One line between a DAG-file child running a callback and its parent: the child asks for a <c>connection</c> or a
/// <c>variable</c> by <see cref="Key"/> (the parent answers with <see cref="Value"/>), and ends with <c>done</c>.
/// </summary>
public sealed record DagCallbackMessage(string Type)
{
    public string? Key { get; init; }

    /// <summary>The variable's value, or the connection as Airflow's JSON form; null when it does not exist.</summary>
    public JsonNode? Value { get; init; }

    /// <summary>With <c>done</c>: why the callbacks could not run at all (the DAG is not in the code), or null.</summary>
    public string? Error { get; init; }

    /// <summary>With <c>done</c>: how many callbacks threw (each is in the log).</summary>
    public int Failed { get; init; }
}
