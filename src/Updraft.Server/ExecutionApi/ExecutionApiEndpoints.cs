using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Api;
using Updraft.Scheduling.Execution;

namespace Updraft.Server.ExecutionApi;

/// <summary>
/// The execution API over HTTP, under <c>/execution/v1/</c>: the routes map onto <see cref="TaskExecutionService"/>,
/// which checks each call's bearer token against the try it is about. Errors are <c>{"detail": ...}</c> with 401
/// (no or bad token), 403 (another try's token), 404, 409 (the try no longer owns its task instance), 422 and 503.
/// </summary>
public static class ExecutionApiEndpoints
{
    public static IEndpointRouteBuilder MapExecutionApi(this IEndpointRouteBuilder routes, TaskExecutionService service)
    {
        ArgumentNullException.ThrowIfNull(routes);
        ArgumentNullException.ThrowIfNull(service);
        routes.MapGet("/execution/health", () => Results.Json(new { status = "healthy" }, ExecutionApiJson.Options));
        var api = routes.MapGroup("/execution/v1");
        const string Try = "/task-instances/{dagId}/{runId}/{taskId}/{mapIndex:int}/tries/{tryNumber:int}";

        api.MapMethods(Try + "/run", ["PATCH"], (HttpContext http, string dagId, string runId, string taskId, int mapIndex, int tryNumber, StartBody body) =>
            ServeAsync(http, async token =>
            {
                var started = await service.StartAsync(token, new TryIdentity(dagId, runId, taskId, mapIndex, tryNumber), body.Hostname, body.Pid, http.RequestAborted);
                return started is null ? Detail(409, "The task instance is not queued for this try.") : Results.Json(started, ExecutionApiJson.Options);
            }));

        api.MapPut(Try + "/heartbeat", (HttpContext http, string dagId, string runId, string taskId, int mapIndex, int tryNumber) =>
            ServeAsync(http, async token =>
            {
                var beat = await service.HeartbeatAsync(token, new TryIdentity(dagId, runId, taskId, mapIndex, tryNumber), http.RequestAborted);
                if (!beat.Owned)
                {
                    return Detail(409, $"Try {tryNumber} no longer owns the task instance; stop it.");
                }

                http.Response.Headers["Refreshed-API-Token"] = beat.RefreshedToken;
                return Results.NoContent();
            }));

        api.MapMethods(Try + "/state", ["PATCH"], (HttpContext http, string dagId, string runId, string taskId, int mapIndex, int tryNumber, StateBody body) =>
            ServeAsync(http, async token =>
            {
                var id = new TryIdentity(dagId, runId, taskId, mapIndex, tryNumber);
                TaskInstanceState? recorded;
                if (body.State == TaskInstanceState.UpForReschedule)
                {
                    if (body.RescheduleDate is not { } due)
                    {
                        return Detail(422, "up_for_reschedule needs a rescheduleDate: when the sensor pokes again.");
                    }

                    recorded = await service.RescheduleAsync(token, id, due, http.RequestAborted);
                }
                else if (body.State == TaskInstanceState.Deferred)
                {
                    if (string.IsNullOrWhiteSpace(body.Classpath) || body.TriggerKwargs is null || string.IsNullOrWhiteSpace(body.NextMethod))
                    {
                        return Detail(422, "deferred needs the trigger's classpath and triggerKwargs, and the nextMethod the task resumes in.");
                    }

                    if (body.TriggerTimeout is < 0 or double.NaN)
                    {
                        return Detail(422, "triggerTimeout is a number of seconds, zero or more.");
                    }

                    var timeout = body.TriggerTimeout is { } seconds ? TimeSpan.FromSeconds(Math.Min(seconds, TimeSpan.MaxValue.TotalSeconds / 2)) : (TimeSpan?)null;
                    recorded = await service.DeferAsync(token, id, new TaskDeferral(body.Classpath, body.TriggerKwargs, body.NextMethod, body.NextKwargs, timeout), http.RequestAborted);
                }
                else
                {
                    recorded = await service.FinishAsync(token, id, body.State, body.RetryAllowed, body.OutletEvents, http.RequestAborted);
                }

                return recorded is { } state
                    ? Results.Json(new { state }, ExecutionApiJson.Options)
                    : Detail(409, $"The result was refused: try {tryNumber} no longer owns the task instance.");
            }));

        api.MapPut(Try + "/hitl", (HttpContext http, string dagId, string runId, string taskId, int mapIndex, int tryNumber, HumanRequest body) =>
            ServeAsync(http, async token =>
            {
                await service.RequestHumanInputAsync(token, new TryIdentity(dagId, runId, taskId, mapIndex, tryNumber), body, http.RequestAborted);
                return Results.NoContent();
            }));

        api.MapMethods(Try + "/skip-downstream", ["PATCH"], (HttpContext http, string dagId, string runId, string taskId, int mapIndex, int tryNumber, SkipBody body) =>
            ServeAsync(http, async token =>
            {
                var skipped = await service.SkipDownstreamAsync(token, new TryIdentity(dagId, runId, taskId, mapIndex, tryNumber), body.Tasks ?? [], http.RequestAborted);
                return Results.Json(new { skipped }, ExecutionApiJson.Options);
            }));

        // The body is the fields themselves ({"bash_command": "echo 2025-01-01"}), as Airflow's PUT …/rtif takes them.
        api.MapPut(Try + "/rtif", (HttpContext http, string dagId, string runId, string taskId, int mapIndex, int tryNumber, Dictionary<string, string> body) =>
            ServeAsync(http, async token =>
            {
                await service.SetRenderedFieldsAsync(token, new TryIdentity(dagId, runId, taskId, mapIndex, tryNumber), body, http.RequestAborted);
                return Results.NoContent();
            }));

        api.MapGet(Try + "/dag-code/{sourceHash}", (HttpContext http, string dagId, string runId, string taskId, int mapIndex, int tryNumber, string sourceHash) =>
            ServeAsync(http, async token =>
                await service.GetDagCodeAsync(token, new TryIdentity(dagId, runId, taskId, mapIndex, tryNumber), sourceHash, http.RequestAborted) is { } code
                    ? Results.Json(code, ExecutionApiJson.Options)
                    : Detail(404, $"The code {sourceHash} is not stored.")));

        const string XCom = "/xcoms/{dagId}/{runId}/{taskId}/{mapIndex:int}/{key}";
        api.MapGet(XCom, (HttpContext http, string dagId, string runId, string taskId, int mapIndex, string key) =>
            ServeByTokenAsync(http, async (token, id) =>
                await service.GetXComAsync(token, id, new XComKey(dagId, runId, taskId, mapIndex, key), http.RequestAborted) is { } value
                    ? Results.Json(new { key, value }, ExecutionApiJson.Options)
                    : Detail(404, $"XCom '{key}' of {dagId}.{taskId} run_id={runId} not found.")));

        api.MapGet(XCom + "/mapped", (HttpContext http, string dagId, string runId, string taskId, int mapIndex, string key) =>
            ServeByTokenAsync(http, async (token, id) =>
                Results.Json(new { values = await service.GetMappedXComsAsync(token, id, new XComKey(dagId, runId, taskId, mapIndex, key), http.RequestAborted) }, ExecutionApiJson.Options)));

        api.MapPut(XCom, (HttpContext http, string dagId, string runId, string taskId, int mapIndex, string key, XComBody body) =>
            ServeByTokenAsync(http, async (token, id) =>
            {
                await service.SetXComAsync(token, id, new XComKey(dagId, runId, taskId, mapIndex, key), body.Value, http.RequestAborted);
                return Results.NoContent();
            }));

        api.MapGet("/variables/{key}", (HttpContext http, string key) =>
            ServeByTokenAsync(http, async (token, id) =>
                await service.GetVariableAsync(token, id, key, http.RequestAborted) is { } value
                    ? Results.Json(new { key, value }, ExecutionApiJson.Options)
                    : Detail(404, $"Variable '{key}' not found.")));

        api.MapGet("/connections/{connId}", (HttpContext http, string connId) =>
            ServeByTokenAsync(http, async (token, id) =>
                await service.GetConnectionAsync(token, id, connId, http.RequestAborted) is { } connection
                    ? Results.Json(connection.ToJson(), ExecutionApiJson.Options)
                    : Detail(404, $"Connection '{connId}' not found.")));

        api.MapPost("/dag-runs/{dagId}/{runId}", (HttpContext http, string dagId, string runId, TriggerBody body) =>
            ServeByTokenAsync(http, async (token, id) =>
            {
                try
                {
                    await service.TriggerDagRunAsync(token, id, dagId, runId, body.LogicalDate ?? TimeProvider.System.GetUtcNow(), body.Conf, http.RequestAborted);
                    return Results.NoContent();
                }
                catch (DagRunTriggerException e)
                {
                    return Detail(e.Error switch { DagRunTriggerError.AlreadyExists => 409, DagRunTriggerError.DagNotFound => 404, _ => 422 }, e.Message);
                }
            }));

        api.MapGet("/dag-runs/{dagId}/{runId}/state", (HttpContext http, string dagId, string runId) =>
            ServeByTokenAsync(http, async (token, id) =>
                await service.GetDagRunStateAsync(token, id, dagId, runId, http.RequestAborted) is { } state
                    ? Results.Json(new { state }, ExecutionApiJson.Options)
                    : Detail(404, $"DAG '{dagId}' has no run '{runId}'.")));

        api.MapGet("/dag-runs/{dagId}/state-at", (HttpContext http, string dagId, string logical_date, string? task_id) =>
            ServeByTokenAsync(http, async (token, id) =>
            {
                if (!Iso.TryParse(logical_date, out var date))
                {
                    return Detail(422, $"logical_date '{logical_date}' is not an ISO 8601 date.");
                }

                return await service.GetStateAtAsync(token, id, dagId, task_id, date, http.RequestAborted) is { } state
                    ? Results.Json(new { state }, ExecutionApiJson.Options)
                    : Detail(404, $"DAG '{dagId}' has no {(task_id is null ? "run" : $"task instance '{task_id}' in a run")} at {logical_date}.");
            }));

        return routes;

        // Calls that are not about a try in their path act for the try their token names.
        async Task<IResult> ServeByTokenAsync(HttpContext http, Func<string, TryIdentity, Task<IResult>> call) =>
            await ServeAsync(http, async token => await call(token, await service.Tokens.ValidateAsync(token)));
    }

    private static async Task<IResult> ServeAsync(HttpContext http, Func<string, Task<IResult>> call)
    {
        var header = http.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header["Bearer ".Length..].Trim() : "";
        try
        {
            return await call(token);
        }
        catch (ExecutionApiRefusedException e)
        {
            return Detail(e.StatusCode, e.Message);
        }
        catch (TryNotOwnedException e)
        {
            return Detail(409, e.Message);
        }
        catch (ExecutionApiUnavailableException e)
        {
            return Detail(503, e.Message);
        }
    }

    private static IResult Detail(int status, string detail) => Results.Json(new JsonObject { ["detail"] = detail }, ExecutionApiJson.Options, statusCode: status);

    internal sealed record StartBody(string Hostname, int Pid);

    internal sealed record StateBody(
        TaskInstanceState State,
        bool RetryAllowed,
        DateTimeOffset? RescheduleDate = null,
        string? Classpath = null,
        System.Text.Json.Nodes.JsonObject? TriggerKwargs = null,
        double? TriggerTimeout = null,
        string? NextMethod = null,
        System.Text.Json.Nodes.JsonObject? NextKwargs = null,
        System.Text.Json.Nodes.JsonObject? OutletEvents = null);

    internal sealed record XComBody(string Value);

    internal sealed record SkipBody(IReadOnlyList<string>? Tasks);

    internal sealed record TriggerBody(DateTimeOffset? LogicalDate, JsonObject? Conf);
}
