using System.Text.Json.Nodes;

namespace Updraft.Core.Assets;

/// <summary>
/// What a DAG can be scheduled on (Airflow 3's asset conditions): one <see cref="Asset"/>, all of several
/// (<c>a &amp; b</c>), any of several (<c>a | b</c>), nested. Stored as Airflow's asset expression:
/// <c>{"asset": {…}}</c>, <c>{"all": […]}</c>, <c>{"any": […]}</c>.
/// </summary>
public abstract class AssetCondition
{
    private protected AssetCondition()
    {
    }

    /// <summary>Every asset the condition names, each once.</summary>
    public abstract IEnumerable<Asset> Assets { get; }

    /// <summary>Every asset alias the condition names, each once.</summary>
    public virtual IEnumerable<AssetAlias> Aliases => [];

    public static AssetCondition operator &(AssetCondition left, AssetCondition right) => All(left, right);

    public static AssetCondition operator |(AssetCondition left, AssetCondition right) => Any(left, right);

    /// <summary>Ready when every one of <paramref name="conditions"/> is (Airflow's <c>AssetAll</c>, or a list as a schedule).</summary>
    public static AssetCondition All(params AssetCondition[] conditions) => new AssetBoolean("all", Flatten("all", conditions));

    /// <summary>Ready when any one of <paramref name="conditions"/> is (Airflow's <c>AssetAny</c>).</summary>
    public static AssetCondition Any(params AssetCondition[] conditions) => new AssetBoolean("any", Flatten("any", conditions));

    /// <summary>Whether the condition holds, given which assets have had an event since the DAG last ran on them.</summary>
    public bool Evaluate(Func<Asset, bool> updated) => Evaluate(updated, static _ => false);

    /// <summary>
    /// Whether the condition holds, given which assets have had an event since the DAG last ran on them, and which
    /// aliases have (an event of an asset that joined the alias).
    /// </summary>
    public abstract bool Evaluate(Func<Asset, bool> updated, Func<AssetAlias, bool> aliasUpdated);

    /// <summary>The condition as Airflow's asset expression.</summary>
    public abstract JsonObject ToExpression();

    /// <summary>Reads an asset expression back (what <see cref="ToExpression"/> wrote).</summary>
    public static AssetCondition FromExpression(JsonNode expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var node = expression.AsObject();
        if (node["asset"] is JsonObject asset)
        {
            return new Asset(
                (string?)asset["name"] ?? throw new FormatException("An asset expression's asset has no name."),
                (string?)asset["uri"],
                (string?)asset["group"] ?? Asset.DefaultGroup);
        }

        if (node["alias"] is JsonObject alias)
        {
            return new AssetAlias(
                (string?)alias["name"] ?? throw new FormatException("An asset expression's alias has no name."),
                (string?)alias["group"] ?? Asset.DefaultGroup);
        }

        foreach (var kind in (string[])["all", "any"])
        {
            if (node[kind] is JsonArray items)
            {
                return new AssetBoolean(kind, [.. items.Select(i => FromExpression(i!))]);
            }
        }

        throw new FormatException($"Not an asset expression: {expression.ToJsonString()}");
    }

    private static List<AssetCondition> Flatten(string kind, AssetCondition[] conditions)
    {
        ArgumentNullException.ThrowIfNull(conditions);
        if (conditions.Length == 0)
        {
            throw new ArgumentException($"Asset.{(kind == "all" ? "All" : "Any")} needs at least one asset or condition.", nameof(conditions));
        }

        // a & b & c is one "all" of three, as Airflow writes it.
        return [.. conditions.SelectMany(c => c is AssetBoolean b && b.Kind == kind ? b.Items : [c ?? throw new ArgumentNullException(nameof(conditions))])];
    }

    private sealed class AssetBoolean(string kind, IReadOnlyList<AssetCondition> items) : AssetCondition
    {
        public string Kind { get; } = kind;

        public IReadOnlyList<AssetCondition> Items { get; } = items;

        public override IEnumerable<Asset> Assets => Items.SelectMany(i => i.Assets).DistinctBy(a => a.Name);

        public override IEnumerable<AssetAlias> Aliases => Items.SelectMany(i => i.Aliases).DistinctBy(a => a.Name);

        public override bool Evaluate(Func<Asset, bool> updated, Func<AssetAlias, bool> aliasUpdated) =>
            Kind == "all" ? Items.All(i => i.Evaluate(updated, aliasUpdated)) : Items.Any(i => i.Evaluate(updated, aliasUpdated));

        public override JsonObject ToExpression() => new() { [Kind] = new JsonArray([.. Items.Select(i => (JsonNode)i.ToExpression())]) };

        public override string ToString() => "(" + string.Join(Kind == "all" ? " & " : " | ", Items) + ")";
    }
}

/// <summary>
/// A piece of data a task produces and DAGs can be scheduled on (Airflow 3's <c>Asset</c>; Airflow 2 called it a
/// dataset): named by <see cref="Name"/>, located by <see cref="Uri"/>. Either may be given alone: the other takes its
/// value. A task lists the assets it updates in <c>Outlets</c>; its success records an event for each.
/// </summary>
public sealed class Asset : AssetCondition, IOutlet
{
    /// <summary>The group of an asset that names none.</summary>
    public const string DefaultGroup = "asset";

    public Asset(string name, string? uri = null, string group = DefaultGroup)
    {
        Name = Check(name, "name");
        Uri = uri is null ? Name : CheckUri(uri);
        Group = string.IsNullOrWhiteSpace(group) ? DefaultGroup : group;
    }

    /// <summary>The asset's unique name.</summary>
    public string Name { get; }

    /// <summary>Where the data is (<c>s3://bucket/key</c>, <c>postgres://host/db/table</c>, or the name again).</summary>
    public string Uri { get; }

    public string Group { get; }

    /// <summary>
    /// Triggers that watch for updates from outside (event-driven scheduling): each event one of them yields in the
    /// triggerer records an event of this asset. Declared on the asset a DAG is scheduled on.
    /// </summary>
    public IReadOnlyList<AssetWatcher> Watchers { get; init; } = [];

    /// <summary>An asset named by its URI (Airflow's <c>Asset(uri)</c> with no name).</summary>
    public static Asset FromUri(string uri) => new(CheckUri(uri), uri);

    public override IEnumerable<Asset> Assets => [this];

    public override bool Evaluate(Func<Asset, bool> updated, Func<AssetAlias, bool> aliasUpdated)
    {
        ArgumentNullException.ThrowIfNull(updated);
        return updated(this);
    }

    public override JsonObject ToExpression() => new() { ["asset"] = new JsonObject { ["name"] = Name, ["uri"] = Uri, ["group"] = Group } };

    public override string ToString() => Name;

    private static string Check(string value, string what)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new ArgumentException($"An asset's {what} cannot be empty.", what);
        }

        if (value.Length > 1500)
        {
            throw new ArgumentException($"An asset's {what} is longer than 1500 characters.", what);
        }

        if (value.Any(char.IsControl))
        {
            throw new ArgumentException($"An asset's {what} cannot hold control characters.", what);
        }

        return value;
    }

    private static string CheckUri(string uri)
    {
        Check(uri, "uri");
        var colon = uri.IndexOf("://", StringComparison.Ordinal);
        if (colon > 0 && uri[..colon].Equals("airflow", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"Asset URI '{uri}' uses the reserved 'airflow' scheme.", nameof(uri));
        }

        return uri;
    }
}
