using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;

namespace Updraft.Core.Templates;

/// <summary>
/// Renders Jinja-style templates: <c>{{ name.member['key'][0] }}</c> expressions, string literals and
/// <c>{# comments #}</c>. An undefined name is an error, never an empty string (Jinja's StrictUndefined).
/// Values print as Airflow prints them: dates in ISO 8601, booleans as True/False, null as None.
/// </summary>
public static class TemplateRenderer
{
    public static async Task<string> RenderAsync(string template, TemplateScope scope, string fieldName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(template);
        ArgumentNullException.ThrowIfNull(scope);
        var output = new StringBuilder(template.Length);
        var pos = 0;
        while (pos < template.Length)
        {
            var open = template.IndexOf('{', pos);
            if (open < 0 || open + 1 >= template.Length)
            {
                output.Append(template, pos, template.Length - pos);
                break;
            }

            var marker = template[open + 1];
            if (marker is not ('{' or '%' or '#'))
            {
                output.Append(template, pos, open + 1 - pos);
                pos = open + 1;
                continue;
            }

            output.Append(template, pos, open - pos);
            var closeToken = marker switch { '{' => "}}", '%' => "%}", _ => "#}" };
            var close = template.IndexOf(closeToken, open + 2, StringComparison.Ordinal);
            if (close < 0)
            {
                throw new TemplateException($"Template error in '{fieldName}': '{{{marker}' at position {open} is never closed with '{closeToken}'.");
            }

            var inner = template[(open + 2)..close].Trim();
            if (marker == '%')
            {
                throw new TemplateException($"Template error in '{fieldName}': statements such as '{{% {inner} %}}' are not supported; use {{{{ expressions }}}} only.");
            }

            if (marker == '{')
            {
                var value = await EvaluateAsync(inner, scope, fieldName, cancellationToken);
                output.Append(Format(value));
            }

            pos = close + 2;
        }

        return output.ToString();
    }

    /// <summary>Formats a value as a rendered template prints it.</summary>
    public static string Format(object? value) => value switch
    {
        null => "None",
        string s => s,
        bool b => b ? "True" : "False",
        DateTimeOffset d => Iso.Format(d),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => v.GetValue<string>(),
            JsonValueKind.True => "True",
            JsonValueKind.False => "False",
            _ => v.ToJsonString(),
        },
        JsonNode n => n.ToJsonString(),
        _ => value.ToString() ?? "",
    };

    private static async Task<object?> EvaluateAsync(string expression, TemplateScope scope, string fieldName, CancellationToken cancellationToken)
    {
        if (expression.Length == 0)
        {
            throw new TemplateException($"Template error in '{fieldName}': an empty expression '{{{{ }}}}'.");
        }

        if (expression[0] is '\'' or '"')
        {
            if (expression.Length < 2 || expression[^1] != expression[0])
            {
                throw new TemplateException($"Template error in '{fieldName}': unterminated string literal {expression}.");
            }

            return expression[1..^1];
        }

        if (char.IsAsciiDigit(expression[0]) || expression[0] == '-')
        {
            return decimal.TryParse(expression, NumberStyles.Number, CultureInfo.InvariantCulture, out var number)
                ? number
                : throw new TemplateException($"Template error in '{fieldName}': '{expression}' is not a number.");
        }

        var path = ParsePath(expression, fieldName);
        if (!scope.Values.TryGetValue(path[0], out var current))
        {
            throw Undefined(fieldName, path[0]);
        }

        for (var i = 1; i < path.Count; i++)
        {
            var (found, next) = await MemberAsync(current, path[i], cancellationToken);
            if (!found)
            {
                throw Undefined(fieldName, string.Join('.', path.Take(i + 1)));
            }

            current = next;
        }

        return current;
    }

    private static async ValueTask<(bool, object?)> MemberAsync(object? target, string name, CancellationToken cancellationToken)
    {
        switch (target)
        {
            case IReadOnlyDictionary<string, object?> map:
                return map.TryGetValue(name, out var v) ? (true, v) : (false, null);
            case JsonObject obj:
                return obj.TryGetPropertyValue(name, out var node) ? (true, node) : (false, null);
            case JsonArray array when int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out var index):
                return index < array.Count ? (true, array[index]) : (false, null);
            case ITemplateNamespace ns:
                return await ns.GetAsync(name, cancellationToken);
            case Connection conn:
                return ConnectionMember(conn, name);
            default:
                return (false, null);
        }
    }

    private static (bool, object?) ConnectionMember(Connection conn, string name) => name switch
    {
        "conn_id" => (true, conn.ConnId),
        "conn_type" => (true, conn.ConnType),
        "description" => (true, conn.Description),
        "host" => (true, conn.Host),
        "login" => (true, conn.Login),
        "password" => (true, conn.Password),
        "schema" => (true, conn.Schema),
        "port" => (true, conn.Port),
        "extra" => (true, conn.Extra),
        "extra_dejson" => (true, conn.ExtraDejson),
        _ => (false, null),
    };

    private static List<string> ParsePath(string expression, string fieldName)
    {
        var parts = new List<string>();
        var i = 0;
        parts.Add(ReadIdentifier(expression, ref i, fieldName));
        while (i < expression.Length)
        {
            var c = expression[i];
            if (c == '.')
            {
                i++;
                parts.Add(ReadIdentifier(expression, ref i, fieldName));
            }
            else if (c == '[')
            {
                var close = expression.IndexOf(']', i);
                if (close < 0)
                {
                    throw Syntax(fieldName, expression);
                }

                var key = expression[(i + 1)..close].Trim();
                parts.Add(key.Length >= 2 && key[0] is '\'' or '"' && key[^1] == key[0] ? key[1..^1] : key);
                i = close + 1;
            }
            else if (c == '|')
            {
                throw new TemplateException($"Template error in '{fieldName}': filters are not supported ('{{{{ {expression} }}}}').");
            }
            else if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else
            {
                throw Syntax(fieldName, expression);
            }
        }

        return parts;
    }

    private static string ReadIdentifier(string expression, ref int i, string fieldName)
    {
        var start = i;
        while (i < expression.Length && (char.IsAsciiLetterOrDigit(expression[i]) || expression[i] == '_'))
        {
            i++;
        }

        return i > start ? expression[start..i] : throw Syntax(fieldName, expression);
    }

    private static TemplateException Undefined(string fieldName, string name) =>
        new($"Template error in '{fieldName}': '{name}' is undefined.");

    private static TemplateException Syntax(string fieldName, string expression) =>
        new($"Template error in '{fieldName}': cannot read the expression '{{{{ {expression} }}}}'.");
}
