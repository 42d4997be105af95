using System.Text.Json.Nodes;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;

namespace Updraft.Scheduling.Workers;

/// <summary>What a fresh task process runs: the DAG code, the task, its try and run, and its rendered templates.</summary>
public sealed record IsolatedTaskRequest(
    DagCode Code,
    string DagId,
    string TaskId,
    int MapIndex,
    int TryNumber,
    int MaxTries,
    string RunId,
    string RunType,
    DateTimeOffset LogicalDate,
    DateTimeOffset DataIntervalStart,
    DateTimeOffset DataIntervalEnd,
    JsonObject Conf,
    IReadOnlyDictionary<string, string> Rendered)
{
    /// <summary>The shared-code bundle the DAG code was built with, if any.</summary>
    public DagCode? Shared { get; init; }
}

/// <summary>
/// One line between a fresh task process and the process that started it: the child's <c>log</c> lines, its questions
/// (<c>xcom_get</c>, <c>xcom_mapped</c>, <c>xcom_set</c>, <c>variable</c>, <c>connection</c>) and their <c>result</c>,
/// and its last line, <c>done</c>, with the task's result or how it ended.
/// </summary>
public sealed record IsolatedTaskMessage(string Type)
{
    public string? Level { get; init; }

    public string? Source { get; init; }

    public string? Message { get; init; }

    public XComKey? XCom { get; init; }

    public string? Key { get; init; }

    public JsonNode? Value { get; init; }

    /// <summary>With <c>done</c>: the result as JSON (null for none).</summary>
    public string? Result { get; init; }

    /// <summary>With <c>done</c>: <c>success</c>, <c>skipped</c>, <c>failed</c> (no retry) or <c>error</c>.</summary>
    public string? Outcome { get; init; }

    /// <summary>With <c>done</c>: the tasks it asked to skip (a branch's unchosen paths).</summary>
    public IReadOnlyList<string>? Skip { get; init; }
}

/// <summary>A task that failed in its fresh process: the exception's type and message there.</summary>
public sealed class IsolatedTaskException(string message) : Exception(message);
