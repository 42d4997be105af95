namespace Updraft.Core.Configuration;

/// <summary>A parsed INI file: <c>[section]</c> headers, <c>key = value</c> lines, <c>#</c> and <c>;</c> comments.</summary>
public sealed class IniDocument
{
    private readonly Dictionary<string, Dictionary<string, string>> _sections = new(StringComparer.OrdinalIgnoreCase);

    public IEnumerable<string> Sections => _sections.Keys;

    public static IniDocument Parse(string text, string path)
    {
        ArgumentNullException.ThrowIfNull(text);
        var doc = new IniDocument();
        Dictionary<string, string>? current = null;
        var lineNumber = 0;
        foreach (var raw in text.Split('\n'))
        {
            lineNumber++;
            var line = raw.Trim();
            if (line.Length == 0 || line[0] is '#' or ';')
            {
                continue;
            }

            if (line[0] == '[')
            {
                if (line[^1] != ']' || line.Length < 3)
                {
                    throw new ConfigException($"{path}:{lineNumber}: a section header must look like [name], found '{line}'.");
                }

                var name = line[1..^1].Trim();
                if (!doc._sections.TryGetValue(name, out current))
                {
                    current = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                    doc._sections[name] = current;
                }

                continue;
            }

            var eq = line.IndexOfAny(['=', ':']);
            if (eq <= 0)
            {
                throw new ConfigException($"{path}:{lineNumber}: expected 'key = value', found '{line}'.");
            }

            if (current is null)
            {
                throw new ConfigException($"{path}:{lineNumber}: '{line[..eq].Trim()}' comes before any [section].");
            }

            current[line[..eq].Trim()] = line[(eq + 1)..].Trim();
        }

        return doc;
    }

    public bool TryGet(string section, string key, out string value)
    {
        value = "";
        return _sections.TryGetValue(section, out var keys) && keys.TryGetValue(key, out value!);
    }

    public IEnumerable<KeyValuePair<string, string>> Keys(string section) =>
        _sections.TryGetValue(section, out var keys) ? keys : [];
}
