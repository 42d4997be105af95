using System.Text;
using Updraft.Core.Dags;

namespace Updraft.Core.Runtime;

/// <summary>A task's view of XCom: push values under keys, pull values other tasks of the same run pushed.</summary>
public sealed class XComAccessor(IXComStore store, DagRunContext run, Operator task, int mapIndex, CancellationToken cancellationToken)
{
    public Task PushAsync<T>(string key, T value) =>
        store.SetAsync(new XComKey(run.DagId, run.RunId, task.TaskId, mapIndex, key), XComJson.Serialize(value), cancellationToken);

    /// <summary>
    /// The value <paramref name="fromTaskId"/> pushed under <paramref name="key"/> in this run, or default when there is
    /// none. From a mapped task: the values of all its instances, in map-index order, read as a list type (<c>int[]</c>);
    /// from a task of the same mapped task group as this one, the value of the same instance (map index).
    /// </summary>
    public async Task<T?> PullAsync<T>(string fromTaskId, string key = XComKey.ReturnValue) =>
        await PullAsync(fromTaskId, key, typeof(T)) is T value ? value : default;

    internal async Task<object?> PullAsync(string fromTaskId, string key, Type type)
    {
        var known = task.Dag.TryGetTask(fromTaskId, out var from);
        if (known && mapIndex >= 0 && from!.MappedGroup is { } group && group == task.MappedGroup)
        {
            var own = await store.GetAsync(new XComKey(run.DagId, run.RunId, fromTaskId, mapIndex, key), cancellationToken);
            return own is null ? null : XComJson.Deserialize(own, type);
        }

        if (known && from!.IsMapped)
        {
            return XComJson.Deserialize(await PullMappedJsonAsync(fromTaskId, key), type);
        }

        var json = await store.GetAsync(new XComKey(run.DagId, run.RunId, fromTaskId, -1, key), cancellationToken);
        return json is null ? null : XComJson.Deserialize(json, type);
    }

    /// <summary>The collected values of a mapped task, as one JSON array.</summary>
    internal async Task<string> PullMappedJsonAsync(string fromTaskId, string key)
    {
        var values = await store.GetMappedAsync(run.DagId, run.RunId, fromTaskId, key, cancellationToken);
        var array = new StringBuilder("[");
        for (var i = 0; i < values.Count; i++)
        {
            array.Append(i == 0 ? "" : ",").Append(values[i]);
        }

        return array.Append(']').ToString();
    }
}
