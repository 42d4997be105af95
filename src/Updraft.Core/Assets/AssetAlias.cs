using System.Text.Json.Nodes;

namespace Updraft.Core.Assets;

/// <summary>What a task can list in its <c>Outlets</c>: an <see cref="Asset"/>, or an <see cref="AssetAlias"/>.</summary>
public interface IOutlet
{
    string Name { get; }
}

/// <summary>
/// A name for assets decided while a task runs (Airflow 3's <c>AssetAlias</c>): a task lists the alias in its
/// <c>Outlets</c> and adds the assets it actually updated — <c>ctx.OutletEvents[alias].Add(new Asset("s3://…"))</c> —
/// each recording an event of that asset (created if new) and joining the alias. A DAG scheduled on the alias is
/// scheduled on every asset that ever joined it: an event of any of them starts it.
/// </summary>
public sealed class AssetAlias : AssetCondition, IOutlet
{
    public AssetAlias(string name, string group = Asset.DefaultGroup)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("An asset alias's name cannot be empty.", nameof(name));
        }

        if (name.Length > 1500 || name.Any(char.IsControl))
        {
            throw new ArgumentException("An asset alias's name must be at most 1500 characters, without control characters.", nameof(name));
        }

        Name = name;
        Group = string.IsNullOrWhiteSpace(group) ? Asset.DefaultGroup : group;
    }

    public string Name { get; }

    public string Group { get; }

    /// <summary>An alias names no asset by itself: the assets that joined it are known only to the metadata database.</summary>
    public override IEnumerable<Asset> Assets => [];

    public override IEnumerable<AssetAlias> Aliases => [this];

    public override bool Evaluate(Func<Asset, bool> updated, Func<AssetAlias, bool> aliasUpdated)
    {
        ArgumentNullException.ThrowIfNull(aliasUpdated);
        return aliasUpdated(this);
    }

    public override JsonObject ToExpression() => new() { ["alias"] = new JsonObject { ["name"] = Name, ["group"] = Group } };

    public override string ToString() => $"alias({Name})";
}

/// <summary>The assets a task adds to one of its outlet aliases while it runs, each with the extra data of its event.</summary>
public sealed class AssetAliasEvents
{
    private readonly List<(Asset Asset, JsonObject Extra)> _added = [];
    private readonly Lock _gate = new();

    /// <summary>Records, with the task's success, an event of <paramref name="asset"/> (created when new) that joins it to the alias.</summary>
    public void Add(Asset asset, JsonObject? extra = null)
    {
        ArgumentNullException.ThrowIfNull(asset);
        lock (_gate)
        {
            _added.Add((asset, extra ?? []));
        }
    }

    internal IReadOnlyList<(Asset Asset, JsonObject Extra)> Added
    {
        get
        {
            lock (_gate)
            {
                return [.. _added];
            }
        }
    }
}
