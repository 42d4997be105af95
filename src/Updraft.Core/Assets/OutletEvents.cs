using System.Text.Json.Nodes;

namespace Updraft.Core.Assets;

/// <summary>
/// The extra data of the asset events a task's success records (Airflow's <c>outlet_events</c>):
/// <c>ctx.OutletEvents[asset]["rows"] = 42</c>. An outlet given nothing records an event with empty extra data.
/// </summary>
public sealed class OutletEvents
{
    private readonly Dictionary<string, JsonObject> _extras = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>The extra data of <paramref name="asset"/>'s event, to fill in.</summary>
    public JsonObject this[Asset asset]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(asset);
            return this[asset.Name];
        }
    }

    /// <summary>The extra data of the event of the asset named <paramref name="assetName"/>, to fill in.</summary>
    public JsonObject this[string assetName]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(assetName);
            lock (_gate)
            {
                return _extras.TryGetValue(assetName, out var extra) ? extra : _extras[assetName] = [];
            }
        }
    }

    /// <summary>The extra data of each of <paramref name="outlets"/>' events (empty when not filled in), by asset name.</summary>
    public JsonObject For(IEnumerable<string> outlets)
    {
        ArgumentNullException.ThrowIfNull(outlets);
        lock (_gate)
        {
            return new JsonObject(outlets.Distinct(StringComparer.Ordinal)
                .Select(name => KeyValuePair.Create(name, (JsonNode?)(_extras.TryGetValue(name, out var extra) ? extra.DeepClone() : new JsonObject()))));
        }
    }
}
