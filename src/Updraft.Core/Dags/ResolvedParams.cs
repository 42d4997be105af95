using System.Text.Json;
using System.Text.Json.Nodes;

namespace Updraft.Core.Dags;

/// <summary>A run's param values, read with their types: <c>ctx.Params.Get&lt;int&gt;("rows")</c>.</summary>
public sealed class ResolvedParams(JsonObject values)
{
    public static ResolvedParams Empty { get; } = new([]);

    public JsonObject Values { get; } = values;

    public bool Contains(string name) => Values.ContainsKey(name);

    public T Get<T>(string name)
    {
        if (!Values.TryGetPropertyValue(name, out var node))
        {
            throw new KeyNotFoundException($"There is no param '{name}'; known params: {string.Join(", ", Values.Select(v => v.Key))}.");
        }

        return node is null ? default! : node.Deserialize<T>()!;
    }
}
