namespace Updraft.Core.Runtime;

/// <summary>A task's view of XCom: push values under keys, pull values other tasks of the same run pushed.</summary>
public sealed class XComAccessor(IXComStore store, DagRunContext run, string taskId, CancellationToken cancellationToken)
{
    public Task PushAsync<T>(string key, T value) =>
        store.SetAsync(new XComKey(run.DagId, run.RunId, taskId, -1, key), XComJson.Serialize(value), cancellationToken);

    /// <summary>The value <paramref name="fromTaskId"/> pushed under <paramref name="key"/> in this run, or default when there is none.</summary>
    public async Task<T?> PullAsync<T>(string fromTaskId, string key = XComKey.ReturnValue) =>
        await PullAsync(fromTaskId, key, typeof(T)) is T value ? value : default;

    internal async Task<object?> PullAsync(string fromTaskId, string key, Type type)
    {
        var json = await store.GetAsync(new XComKey(run.DagId, run.RunId, fromTaskId, -1, key), cancellationToken);
        return json is null ? null : XComJson.Deserialize(json, type);
    }
}
