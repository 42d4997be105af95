using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;
using Updraft.Core.States;

namespace Updraft.Execution.Api;

/// <summary>
/// The execution API over HTTP (<c>/execution/v1/</c> on <c>updraft api-server</c>), for whatever runs tries away
/// from the orchestrator: queue workers, pods, containers. Each call sends the try's token as a bearer token;
/// refusals come back as the same exceptions the in-process service throws.
/// </summary>
public sealed class HttpExecutionApi(HttpClient http) : IExecutionApi
{
    public async Task<TryStart?> StartAsync(string token, TryIdentity id, string hostname, int pid, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Patch, $"{ExecutionApiJson.TryPath(id)}/run", token, new { hostname, pid }, cancellationToken);
        return response.StatusCode == HttpStatusCode.Conflict ? null : await ReadAsync<TryStart>(response, cancellationToken);
    }

    public async Task<HeartbeatResult> HeartbeatAsync(string token, TryIdentity id, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Put, $"{ExecutionApiJson.TryPath(id)}/heartbeat", token, new { }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            return new HeartbeatResult(false);
        }

        await EnsureAsync(response, cancellationToken);
        return new HeartbeatResult(true, response.Headers.TryGetValues("Refreshed-API-Token", out var fresh) ? fresh.FirstOrDefault() : null);
    }

    public async Task<TaskInstanceState?> FinishAsync(string token, TryIdentity id, TaskInstanceState state, bool retryAllowed, JsonObject? outletEvents = null, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Patch, $"{ExecutionApiJson.TryPath(id)}/state", token, new { state, retryAllowed, outletEvents }, cancellationToken);
        return response.StatusCode == HttpStatusCode.Conflict ? null : (await ReadAsync<JsonObject>(response, cancellationToken))!["state"].Deserialize<TaskInstanceState>(ExecutionApiJson.Options);
    }

    public async Task<TaskInstanceState?> RescheduleAsync(string token, TryIdentity id, DateTimeOffset rescheduleDate, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(
            HttpMethod.Patch, $"{ExecutionApiJson.TryPath(id)}/state", token, new { state = TaskInstanceState.UpForReschedule, rescheduleDate }, cancellationToken);
        return response.StatusCode == HttpStatusCode.Conflict ? null : (await ReadAsync<JsonObject>(response, cancellationToken))!["state"].Deserialize<TaskInstanceState>(ExecutionApiJson.Options);
    }

    public async Task<TaskInstanceState?> DeferAsync(string token, TryIdentity id, TaskDeferral deferral, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(deferral);
        using var response = await SendAsync(
            HttpMethod.Patch,
            $"{ExecutionApiJson.TryPath(id)}/state",
            token,
            new
            {
                state = TaskInstanceState.Deferred,
                classpath = deferral.Classpath,
                triggerKwargs = deferral.TriggerKwargs,
                triggerTimeout = deferral.TriggerTimeout?.TotalSeconds,
                nextMethod = deferral.NextMethod,
                nextKwargs = deferral.NextKwargs,
            },
            cancellationToken);
        return response.StatusCode == HttpStatusCode.Conflict ? null : (await ReadAsync<JsonObject>(response, cancellationToken))!["state"].Deserialize<TaskInstanceState>(ExecutionApiJson.Options);
    }

    public async Task RequestHumanInputAsync(string token, TryIdentity id, HumanRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Put, $"{ExecutionApiJson.TryPath(id)}/hitl", token, request, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new TryNotOwnedException(await DetailAsync(response, cancellationToken));
        }

        await EnsureAsync(response, cancellationToken);
    }

    public async Task<int> SkipDownstreamAsync(string token, TryIdentity id, IReadOnlyCollection<string> taskIds, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Patch, $"{ExecutionApiJson.TryPath(id)}/skip-downstream", token, new { tasks = taskIds }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new TryNotOwnedException(await DetailAsync(response, cancellationToken));
        }

        return (int)(await ReadAsync<JsonObject>(response, cancellationToken))!["skipped"]!;
    }

    public async Task SetRenderedFieldsAsync(string token, TryIdentity id, IReadOnlyDictionary<string, string> fields, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Put, $"{ExecutionApiJson.TryPath(id)}/rtif", token, fields, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new TryNotOwnedException(await DetailAsync(response, cancellationToken));
        }

        await EnsureAsync(response, cancellationToken);
    }

    public async Task<Core.Serialization.DagCode?> GetDagCodeAsync(string token, TryIdentity id, string sourceHash, CancellationToken cancellationToken = default) =>
        await GetOrNullAsync($"{ExecutionApiJson.TryPath(id)}/dag-code/{Uri.EscapeDataString(sourceHash)}", token, cancellationToken) is { } json
            ? json.Deserialize<Core.Serialization.DagCode>(ExecutionApiJson.Options)
            : null;

    public async Task<string?> GetXComAsync(string token, TryIdentity id, XComKey key, CancellationToken cancellationToken = default) =>
        (string?)(await GetOrNullAsync($"{ExecutionApiJson.XComPath(key)}", token, cancellationToken))?["value"];

    public async Task<IReadOnlyList<string>> GetMappedXComsAsync(string token, TryIdentity id, XComKey key, CancellationToken cancellationToken = default) =>
        (await GetOrNullAsync($"{ExecutionApiJson.XComPath(key)}/mapped", token, cancellationToken))?["values"].Deserialize<string[]>(ExecutionApiJson.Options) ?? [];

    public async Task SetXComAsync(string token, TryIdentity id, XComKey key, string json, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Put, ExecutionApiJson.XComPath(key), token, new { value = json }, cancellationToken);
        if (response.StatusCode == HttpStatusCode.Conflict)
        {
            throw new TryNotOwnedException(await DetailAsync(response, cancellationToken));
        }

        await EnsureAsync(response, cancellationToken);
    }

    public async Task<string?> GetVariableAsync(string token, TryIdentity id, string key, CancellationToken cancellationToken = default) =>
        (string?)(await GetOrNullAsync($"variables/{Uri.EscapeDataString(key)}", token, cancellationToken))?["value"];

    public async Task<Connection?> GetConnectionAsync(string token, TryIdentity id, string connId, CancellationToken cancellationToken = default) =>
        await GetOrNullAsync($"connections/{Uri.EscapeDataString(connId)}", token, cancellationToken) is { } json ? Connection.FromJson(connId, json.ToJsonString()) : null;

    public async Task TriggerDagRunAsync(string token, TryIdentity id, string dagId, string runId, DateTimeOffset logicalDate, JsonObject? conf, CancellationToken cancellationToken = default)
    {
        using var response = await SendAsync(HttpMethod.Post, $"dag-runs/{Uri.EscapeDataString(dagId)}/{Uri.EscapeDataString(runId)}", token, new { logicalDate, conf }, cancellationToken);
        if (response.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.Conflict or HttpStatusCode.UnprocessableEntity)
        {
            throw new DagRunTriggerException(await DetailAsync(response, cancellationToken), response.StatusCode switch
            {
                HttpStatusCode.Conflict => DagRunTriggerError.AlreadyExists,
                HttpStatusCode.NotFound => DagRunTriggerError.DagNotFound,
                _ => DagRunTriggerError.Invalid,
            });
        }

        await EnsureAsync(response, cancellationToken);
    }

    public async Task<string?> GetDagRunStateAsync(string token, TryIdentity id, string dagId, string runId, CancellationToken cancellationToken = default) =>
        (string?)(await GetOrNullAsync($"dag-runs/{Uri.EscapeDataString(dagId)}/{Uri.EscapeDataString(runId)}/state", token, cancellationToken))?["state"];

    public async Task<string?> GetStateAtAsync(string token, TryIdentity id, string dagId, string? taskId, DateTimeOffset logicalDate, CancellationToken cancellationToken = default) =>
        (string?)(await GetOrNullAsync(
            $"dag-runs/{Uri.EscapeDataString(dagId)}/state-at?logical_date={Uri.EscapeDataString(Iso.Format(logicalDate))}{(taskId is null ? "" : "&task_id=" + Uri.EscapeDataString(taskId))}",
            token,
            cancellationToken))?["state"];

    private async Task<JsonObject?> GetOrNullAsync(string path, string token, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(HttpMethod.Get, path, token, null, cancellationToken);
        return response.StatusCode == HttpStatusCode.NotFound ? null : await ReadAsync<JsonObject>(response, cancellationToken);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string token, object? body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            request.Content = JsonContent.Create(body, options: ExecutionApiJson.Options);
        }

        return await http.SendAsync(request, cancellationToken);
    }

    private static async Task<T?> ReadAsync<T>(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await EnsureAsync(response, cancellationToken);
        return await response.Content.ReadFromJsonAsync<T>(ExecutionApiJson.Options, cancellationToken);
    }

    private static async Task EnsureAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var detail = await DetailAsync(response, cancellationToken);
        throw (int)response.StatusCode switch
        {
            401 or 403 or 422 => new ExecutionApiRefusedException(detail, (int)response.StatusCode),
            >= 500 => new ExecutionApiUnavailableException($"The execution API answered {(int)response.StatusCode}: {detail}"),
            _ => new InvalidOperationException($"The execution API answered {(int)response.StatusCode}: {detail}"),
        };
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        try
        {
            return JsonNode.Parse(text)?["detail"]?.ToString() ?? text;
        }
        catch (JsonException)
        {
            return text;
        }
    }
}
