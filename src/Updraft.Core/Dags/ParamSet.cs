using System.Collections;
using System.Text.Json.Nodes;

namespace Updraft.Core.Dags;

/// <summary>A DAG's params by name. Supports collection initialisers: <c>Params = { ["rows"] = 10 }</c>.</summary>
public sealed class ParamSet : IEnumerable<KeyValuePair<string, Param>>
{
    private readonly Dictionary<string, Param> _params = new(StringComparer.Ordinal);

    public int Count => _params.Count;

    public Param this[string name]
    {
        get => _params[name];
        set => _params[name] = value ?? throw new ArgumentNullException(nameof(value));
    }

    public void Add(string name, Param param) => _params.Add(name, param ?? throw new ArgumentNullException(nameof(param)));

    public bool TryGetValue(string name, out Param param) => _params.TryGetValue(name, out param!);

    /// <summary>
    /// The values for one run: each param's default, overridden by the same key in <paramref name="conf"/>,
    /// all validated. Conf keys without a param are passed through as plain values.
    /// </summary>
    public ResolvedParams Resolve(JsonObject? conf)
    {
        var values = new JsonObject();
        foreach (var (name, param) in _params)
        {
            JsonNode? value;
            if (conf is not null && conf.TryGetPropertyValue(name, out var given))
            {
                value = given?.DeepClone();
            }
            else if (param.HasDefault)
            {
                value = param.Default?.DeepClone();
            }
            else
            {
                throw new ParamValidationException($"Invalid input for param {name}: no value was passed and the param has no default.");
            }

            param.Validate(name, value);
            values[name] = value;
        }

        foreach (var (key, value) in conf ?? [])
        {
            if (!_params.ContainsKey(key))
            {
                values[key] = value?.DeepClone();
            }
        }

        return new ResolvedParams(values);
    }

    /// <summary>Checks every default that is given; params without a default are checked when a run supplies them.</summary>
    public void ValidateDefaults()
    {
        foreach (var (name, param) in _params.Where(p => p.Value.HasDefault))
        {
            param.Validate(name, param.Default);
        }
    }

    public IEnumerator<KeyValuePair<string, Param>> GetEnumerator() => _params.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}
