using System.Text.Json.Nodes;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// One JSON line between the local executor and a worker process. The executor sends <c>run</c> (a try to run) and
/// <c>result</c> (the answer to a call); the worker sends <c>call</c> (an execution API call, by id, so heartbeats and
/// XCom reads can overlap) and <c>done</c> (the try's outcome).
/// </summary>
internal sealed record PipeMessage(string Type)
{
    public long Id { get; init; }

    public string? Method { get; init; }

    /// <summary>A call's arguments or its result.</summary>
    public JsonNode? Body { get; init; }

    /// <summary>Why a call failed: <c>not_owned</c>, <c>refused</c>, <c>unavailable</c> or <c>failed</c>.</summary>
    public string? ErrorKind { get; init; }

    public string? Error { get; init; }

    public int Status { get; init; }

    public WorkerRequest? Request { get; init; }

    public WorkerReply? Reply { get; init; }
}
