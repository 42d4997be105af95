using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Api;

namespace Updraft.Scheduling.Workers;

/// <summary>
/// Both ends of the execution API over a worker's pipes: the worker's calls as <see cref="PipeMessage"/>s, and the
/// executor's side that answers them from the real <see cref="IExecutionApi"/>. Errors cross as kinds and come out as
/// the same exceptions on the worker's side.
/// </summary>
internal static class ExecutionApiDispatcher
{
    public static JsonSerializerOptions Json => WorkerProcessHost.Json;

    /// <summary>Answers one call from a worker.</summary>
    public static async Task<PipeMessage> AnswerAsync(IExecutionApi api, PipeMessage call, CancellationToken cancellationToken)
    {
        try
        {
            var args = call.Body as JsonObject ?? throw new InvalidDataException("A call without arguments.");
            var token = (string?)args["token"] ?? "";
            var id = args["id"].Deserialize<TryIdentity>(Json) ?? throw new InvalidDataException("A call without a try.");
            JsonNode? result = call.Method switch
            {
                "start" => JsonSerializer.SerializeToNode(await api.StartAsync(token, id, (string)args["hostname"]!, (int)args["pid"]!, cancellationToken), Json),
                "heartbeat" => JsonSerializer.SerializeToNode(await api.HeartbeatAsync(token, id, cancellationToken), Json),
                "finish" => JsonSerializer.SerializeToNode(
                    await api.FinishAsync(token, id, args["state"].Deserialize<TaskInstanceState>(Json), (bool)args["retryAllowed"]!, args["outletEvents"] as JsonObject, cancellationToken), Json),
                "reschedule" => JsonSerializer.SerializeToNode(
                    await api.RescheduleAsync(token, id, args["rescheduleDate"].Deserialize<DateTimeOffset>(Json), cancellationToken), Json),
                "defer" => JsonSerializer.SerializeToNode(
                    await api.DeferAsync(token, id, args["deferral"].Deserialize<TaskDeferral>(Json) ?? throw new InvalidDataException("A deferral without its trigger."), cancellationToken), Json),
                "hitl" => await RequestHumanInputAsync(api, token, id, args, cancellationToken),
                "skip_downstream" => await api.SkipDownstreamAsync(token, id, args["taskIds"].Deserialize<string[]>(Json) ?? [], cancellationToken),
                "rendered_fields" => await SetRenderedFieldsAsync(api, token, id, args, cancellationToken),
                "dag_code" => JsonSerializer.SerializeToNode(await api.GetDagCodeAsync(token, id, (string)args["sourceHash"]!, cancellationToken), Json),
                "xcom_get" => await api.GetXComAsync(token, id, args["key"].Deserialize<XComKey>(Json)!, cancellationToken),
                "xcom_mapped" => JsonSerializer.SerializeToNode(await api.GetMappedXComsAsync(token, id, args["key"].Deserialize<XComKey>(Json)!, cancellationToken), Json),
                "xcom_set" => await SetXComAsync(api, token, id, args, cancellationToken),
                "variable" => await api.GetVariableAsync(token, id, (string)args["key"]!, cancellationToken),
                "connection" => (await api.GetConnectionAsync(token, id, (string)args["connId"]!, cancellationToken))?.ToJson(),
                "trigger_dag_run" => await TriggerAsync(api, token, id, args, cancellationToken),
                "dag_run_state" => await api.GetDagRunStateAsync(token, id, (string)args["dagId"]!, (string)args["runId"]!, cancellationToken),
                "state_at" => await api.GetStateAtAsync(token, id, (string)args["dagId"]!, (string?)args["taskId"], Date((string)args["logicalDate"]!), cancellationToken),
                _ => throw new InvalidDataException($"Unknown execution API call '{call.Method}'."),
            };
            return new PipeMessage("result") { Id = call.Id, Body = result };
        }
        catch (TryNotOwnedException e)
        {
            return new PipeMessage("result") { Id = call.Id, ErrorKind = "not_owned", Error = e.Message };
        }
        catch (DagRunTriggerException e)
        {
            return new PipeMessage("result") { Id = call.Id, ErrorKind = "trigger_" + e.Error.ToString(), Error = e.Message };
        }
        catch (ExecutionApiRefusedException e)
        {
            return new PipeMessage("result") { Id = call.Id, ErrorKind = "refused", Error = e.Message, Status = e.StatusCode };
        }
        catch (ExecutionApiUnavailableException e)
        {
            return new PipeMessage("result") { Id = call.Id, ErrorKind = "unavailable", Error = e.Message };
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Anything else the orchestrator hit serving the call: the worker sees it as a failed call, not a dead pipe.
            return new PipeMessage("result") { Id = call.Id, ErrorKind = "failed", Error = $"{e.GetType().Name}: {e.Message}" };
        }
    }

    /// <summary>The exception a failed call's answer stands for, on the worker's side.</summary>
    public static Exception ToException(PipeMessage result) => result.ErrorKind switch
    {
        "not_owned" => new TryNotOwnedException(result.Error ?? "The try no longer owns its task instance."),
        "refused" => new ExecutionApiRefusedException(result.Error ?? "Refused.", result.Status),
        "unavailable" => new ExecutionApiUnavailableException(result.Error ?? "The orchestrator is unavailable."),
        { } kind when kind.StartsWith("trigger_", StringComparison.Ordinal) && Enum.TryParse<DagRunTriggerError>(kind["trigger_".Length..], out var error) =>
            new DagRunTriggerException(result.Error ?? "The run could not be triggered.", error),
        _ => new InvalidOperationException($"The execution API call failed: {result.Error}"),
    };

    public static Connection? ToConnection(string connId, JsonNode? body) => body is JsonObject json ? Connection.FromJson(connId, json.ToJsonString()) : null;

    private static async Task<JsonNode?> TriggerAsync(IExecutionApi api, string token, TryIdentity id, JsonObject args, CancellationToken cancellationToken)
    {
        await api.TriggerDagRunAsync(token, id, (string)args["dagId"]!, (string)args["runId"]!, Date((string)args["logicalDate"]!), args["conf"]?.DeepClone() as JsonObject, cancellationToken);
        return null;
    }

    private static DateTimeOffset Date(string text) =>
        Iso.TryParse(text, out var date) ? date : throw new InvalidDataException($"'{text}' is not an ISO 8601 date.");

    private static async Task<JsonNode?> RequestHumanInputAsync(IExecutionApi api, string token, TryIdentity id, JsonObject args, CancellationToken cancellationToken)
    {
        await api.RequestHumanInputAsync(token, id, args["request"].Deserialize<HumanRequest>(Json) ?? throw new InvalidDataException("A question without its request."), cancellationToken);
        return true;
    }

    private static async Task<JsonNode?> SetRenderedFieldsAsync(IExecutionApi api, string token, TryIdentity id, JsonObject args, CancellationToken cancellationToken)
    {
        await api.SetRenderedFieldsAsync(token, id, args["fields"].Deserialize<Dictionary<string, string>>(Json) ?? [], cancellationToken);
        return null;
    }

    private static async Task<JsonNode?> SetXComAsync(IExecutionApi api, string token, TryIdentity id, JsonObject args, CancellationToken cancellationToken)
    {
        await api.SetXComAsync(token, id, args["key"].Deserialize<XComKey>(Json)!, (string)args["json"]!, cancellationToken);
        return null;
    }
}
