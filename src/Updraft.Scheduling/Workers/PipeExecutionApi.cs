using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Api;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// The execution API as a worker process sees it: each call a line on standard output, each answer a line the
/// worker's input loop hands to <see cref="Complete"/>. The worker holds no database connection of its own.
/// </summary>
internal sealed class PipeExecutionApi(TextWriter output) : IExecutionApi, IDisposable
{
    private readonly ConcurrentDictionary<long, TaskCompletionSource<PipeMessage>> _pending = new();
    private readonly SemaphoreSlim _write = new(1, 1);
    private long _nextId;

    public async Task<TryStart?> StartAsync(string token, TryIdentity id, string hostname, int pid, CancellationToken cancellationToken = default) =>
        (await CallAsync("start", token, id, new JsonObject { ["hostname"] = hostname, ["pid"] = pid }, cancellationToken)).Deserialize<TryStart>(WorkerProcessHost.Json);

    public async Task<HeartbeatResult> HeartbeatAsync(string token, TryIdentity id, CancellationToken cancellationToken = default) =>
        (await CallAsync("heartbeat", token, id, [], cancellationToken)).Deserialize<HeartbeatResult>(WorkerProcessHost.Json)
        ?? throw new InvalidDataException("An empty heartbeat answer.");

    public async Task<TaskInstanceState?> FinishAsync(string token, TryIdentity id, TaskInstanceState state, bool retryAllowed, JsonObject? outletEvents = null, CancellationToken cancellationToken = default) =>
        (await CallAsync(
            "finish",
            token,
            id,
            new JsonObject { ["state"] = JsonSerializer.SerializeToNode(state, WorkerProcessHost.Json), ["retryAllowed"] = retryAllowed, ["outletEvents"] = outletEvents?.DeepClone() },
            cancellationToken)).Deserialize<TaskInstanceState?>(WorkerProcessHost.Json);

    public async Task<TaskInstanceState?> DeferAsync(string token, TryIdentity id, TaskDeferral deferral, CancellationToken cancellationToken = default) =>
        (await CallAsync("defer", token, id, new JsonObject { ["deferral"] = JsonSerializer.SerializeToNode(deferral, WorkerProcessHost.Json) }, cancellationToken))
            .Deserialize<TaskInstanceState?>(WorkerProcessHost.Json);

    public async Task<TaskInstanceState?> RescheduleAsync(string token, TryIdentity id, DateTimeOffset rescheduleDate, CancellationToken cancellationToken = default) =>
        (await CallAsync("reschedule", token, id, new JsonObject { ["rescheduleDate"] = rescheduleDate }, cancellationToken)).Deserialize<TaskInstanceState?>(WorkerProcessHost.Json);

    public async Task<int> SkipDownstreamAsync(string token, TryIdentity id, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default) =>
        (int)(await CallAsync("skip_downstream", token, id, new JsonObject { ["taskIds"] = JsonSerializer.SerializeToNode(taskIds, WorkerProcessHost.Json) }, cancellationToken))!;

    public async Task SetRenderedFieldsAsync(string token, TryIdentity id, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken = default) =>
        await CallAsync("rendered_fields", token, id, new JsonObject { ["fields"] = JsonSerializer.SerializeToNode(fields, WorkerProcessHost.Json) }, cancellationToken);

    public async Task<Core.Serialization.DagCode?> GetDagCodeAsync(string token, TryIdentity id, string sourceHash, CancellationToken cancellationToken = default) =>
        (await CallAsync("dag_code", token, id, new JsonObject { ["sourceHash"] = sourceHash }, cancellationToken)).Deserialize<Core.Serialization.DagCode>(WorkerProcessHost.Json);

    public async Task<string?> GetXComAsync(string token, TryIdentity id, XComKey key, CancellationToken cancellationToken = default) =>
        (string?)await CallAsync("xcom_get", token, id, new JsonObject { ["key"] = JsonSerializer.SerializeToNode(key, WorkerProcessHost.Json) }, cancellationToken);

    public async Task<IReadOnlyList<string>> GetMappedXComsAsync(string token, TryIdentity id, XComKey key, CancellationToken cancellationToken = default) =>
        (await CallAsync("xcom_mapped", token, id, new JsonObject { ["key"] = JsonSerializer.SerializeToNode(key, WorkerProcessHost.Json) }, cancellationToken))
            .Deserialize<string[]>(WorkerProcessHost.Json) ?? [];

    public async Task RequestHumanInputAsync(string token, TryIdentity id, HumanRequest request, CancellationToken cancellationToken = default) =>
        await CallAsync("hitl", token, id, new JsonObject { ["request"] = JsonSerializer.SerializeToNode(request, WorkerProcessHost.Json) }, cancellationToken);

    public async Task SetXComAsync(string token, TryIdentity id, XComKey key, string json, CancellationToken cancellationToken = default) =>
        await CallAsync("xcom_set", token, id, new JsonObject { ["key"] = JsonSerializer.SerializeToNode(key, WorkerProcessHost.Json), ["json"] = json }, cancellationToken);

    public async Task<string?> GetVariableAsync(string token, TryIdentity id, string key, CancellationToken cancellationToken = default) =>
        (string?)await CallAsync("variable", token, id, new JsonObject { ["key"] = key }, cancellationToken);

    public async Task<Connection?> GetConnectionAsync(string token, TryIdentity id, string connId, CancellationToken cancellationToken = default) =>
        ExecutionApiDispatcher.ToConnection(connId, await CallAsync("connection", token, id, new JsonObject { ["connId"] = connId }, cancellationToken));

    public async Task TriggerDagRunAsync(string token, TryIdentity id, string dagId, string runId, DateTimeOffset logicalDate, JsonObject? conf, CancellationToken cancellationToken = default) =>
        await CallAsync(
            "trigger_dag_run",
            token,
            id,
            new JsonObject { ["dagId"] = dagId, ["runId"] = runId, ["logicalDate"] = Iso.Format(logicalDate), ["conf"] = conf?.DeepClone() },
            cancellationToken);

    public async Task<string?> GetDagRunStateAsync(string token, TryIdentity id, string dagId, string runId, CancellationToken cancellationToken = default) =>
        (string?)await CallAsync("dag_run_state", token, id, new JsonObject { ["dagId"] = dagId, ["runId"] = runId }, cancellationToken);

    public async Task<string?> GetStateAtAsync(string token, TryIdentity id, string dagId, string? taskId, DateTimeOffset logicalDate, CancellationToken cancellationToken = default) =>
        (string?)await CallAsync("state_at", token, id, new JsonObject { ["dagId"] = dagId, ["taskId"] = taskId, ["logicalDate"] = Iso.Format(logicalDate) }, cancellationToken);

    public void Dispose() => _write.Dispose();

    /// <summary>Hands an answer from the executor to the call waiting for it.</summary>
    public void Complete(PipeMessage result)
    {
        ArgumentNullException.ThrowIfNull(result);
        if (_pending.TryRemove(result.Id, out var waiting))
        {
            waiting.TrySetResult(result);
        }
    }

    /// <summary>Fails every call still waiting: the executor went away.</summary>
    public void Abandon()
    {
        foreach (var id in _pending.Keys)
        {
            if (_pending.TryRemove(id, out var waiting))
            {
                waiting.TrySetException(new IOException("The executor closed the worker's pipe."));
            }
        }
    }

    /// <summary>Writes one message line; calls and the final reply share the pipe, so writes take turns.</summary>
    public async Task SendAsync(PipeMessage message, CancellationToken cancellationToken = default)
    {
        await _write.WaitAsync(cancellationToken);
        try
        {
            await output.WriteLineAsync(JsonSerializer.Serialize(message, WorkerProcessHost.Json).AsMemory(), cancellationToken);
            await output.FlushAsync(cancellationToken);
        }
        finally
        {
            _write.Release();
        }
    }

    private async Task<JsonNode?> CallAsync(string method, string token, TryIdentity id, JsonObject args, CancellationToken cancellationToken)
    {
        args["token"] = token;
        args["id"] = JsonSerializer.SerializeToNode(id, WorkerProcessHost.Json);
        var callId = Interlocked.Increment(ref _nextId);
        var answer = new TaskCompletionSource<PipeMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[callId] = answer;
        await SendAsync(new PipeMessage("call") { Id = callId, Method = method, Body = args }, cancellationToken);
        var result = await answer.Task.WaitAsync(cancellationToken);
        return result.ErrorKind is null ? result.Body : throw ExecutionApiDispatcher.ToException(result);
    }
}
