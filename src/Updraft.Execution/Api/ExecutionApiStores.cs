using Updraft.Core.Connections;
using Updraft.Core.Runtime;

namespace Updraft.Execution.Api;

/// <summary>The XCom, variable and connection stores of one try, and its cross-DAG client, served by the execution API with that try's token.</summary>
public sealed class ExecutionApiStores(IExecutionApi api, TryIdentity id, Func<string> token) : IXComStore, IVariableStore, IConnectionStore, IDagRunClient, IHumanInput
{
    public Task RequestAsync(HumanRequest request, CancellationToken cancellationToken = default) => api.RequestHumanInputAsync(token(), id, request, cancellationToken);

    public Task SetAsync(XComKey key, string json, CancellationToken cancellationToken = default) => api.SetXComAsync(token(), id, key, json, cancellationToken);

    Task<string?> IXComStore.GetAsync(XComKey key, CancellationToken cancellationToken) => api.GetXComAsync(token(), id, key, cancellationToken);

    Task<IReadOnlyList<string>> IXComStore.GetMappedAsync(string dagId, string runId, string taskId, string key, CancellationToken cancellationToken) =>
        api.GetMappedXComsAsync(token(), id, new XComKey(dagId, runId, taskId, -1, key), cancellationToken);

    Task<string?> IVariableStore.GetAsync(string key, CancellationToken cancellationToken) => api.GetVariableAsync(token(), id, key, cancellationToken);

    Task<Connection?> IConnectionStore.GetAsync(string connId, CancellationToken cancellationToken) => api.GetConnectionAsync(token(), id, connId, cancellationToken);

    public Task TriggerAsync(string dagId, string runId, DateTimeOffset logicalDate, System.Text.Json.Nodes.JsonObject? conf, CancellationToken cancellationToken = default) =>
        api.TriggerDagRunAsync(token(), id, dagId, runId, logicalDate, conf, cancellationToken);

    public Task<string?> GetRunStateAsync(string dagId, string runId, CancellationToken cancellationToken = default) =>
        api.GetDagRunStateAsync(token(), id, dagId, runId, cancellationToken);

    public Task<string?> GetStateAtAsync(string dagId, string? taskId, DateTimeOffset logicalDate, CancellationToken cancellationToken = default) =>
        api.GetStateAtAsync(token(), id, dagId, taskId, logicalDate, cancellationToken);
}
