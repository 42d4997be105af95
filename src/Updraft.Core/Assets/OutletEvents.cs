using System.Text.Json.Nodes;

namespace Updraft.Core.Assets;

/// <summary>
/// The extra data of the asset events a task's success records (Airflow's <c>outlet_events</c>):
/// <c>ctx.OutletEvents[asset]["rows"] = 42</c>. An outlet given nothing records an event with empty extra data.
/// </summary>
public sealed class OutletEvents
{
    private readonly Dictionary<string, JsonObject> _extras = new(StringComparer.Ordinal);
    private readonly Dictionary<string, AssetAliasEvents> _aliases = new(StringComparer.Ordinal);
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

    /// <summary>The assets the task adds to <paramref name="alias"/> (one of its outlets): <c>ctx.OutletEvents[alias].Add(asset, extra)</c>.</summary>
    public AssetAliasEvents this[AssetAlias alias]
    {
        get
        {
            ArgumentNullException.ThrowIfNull(alias);
            lock (_gate)
            {
                return _aliases.TryGetValue(alias.Name, out var events) ? events : _aliases[alias.Name] = new AssetAliasEvents();
            }
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

    /// <summary>
    /// What a success of a task with these outlets records, as the execution API carries it:
    /// <c>{"assets": {name: extra, …}, "aliases": [{"alias", "asset": {"name", "uri", "group"}, "extra"}, …]}</c> —
    /// one event per asset outlet (empty extra data when not filled in), and one per asset added to an outlet alias.
    /// </summary>
    public JsonObject For(IEnumerable<string> assetOutlets, IEnumerable<string> aliasOutlets)
    {
        ArgumentNullException.ThrowIfNull(assetOutlets);
        ArgumentNullException.ThrowIfNull(aliasOutlets);
        lock (_gate)
        {
            var assets = new JsonObject(assetOutlets.Distinct(StringComparer.Ordinal)
                .Select(name => KeyValuePair.Create(name, (JsonNode?)(_extras.TryGetValue(name, out var extra) ? extra.DeepClone() : new JsonObject()))));
            var aliases = new JsonArray();
            foreach (var alias in aliasOutlets.Distinct(StringComparer.Ordinal))
            {
                foreach (var (asset, extra) in _aliases.TryGetValue(alias, out var events) ? events.Added : [])
                {
                    aliases.Add(new JsonObject
                    {
                        ["alias"] = alias,
                        ["asset"] = new JsonObject { ["name"] = asset.Name, ["uri"] = asset.Uri, ["group"] = asset.Group },
                        ["extra"] = extra.DeepClone(),
                    });
                }
            }

            return new JsonObject { ["assets"] = assets, ["aliases"] = aliases };
        }
    }
}
