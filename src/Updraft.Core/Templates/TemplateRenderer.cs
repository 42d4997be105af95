using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Connections;
using Updraft.Core.Runtime;

namespace Updraft.Core.Templates;

/// <summary>
/// Renders Jinja-style templates: <c>{{ … }}</c> expressions (names, members, indexes, literals, calls, filters and
/// arithmetic: see <see cref="TemplateExpression"/> and <see cref="TemplateFunctions"/>) and <c>{# comments #}</c>.
/// An undefined name is an error, never an empty string (Jinja's StrictUndefined), unless a <c>default</c> filter
/// catches it. Statements (<c>{% … %}</c>) are refused with a clear error.
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
            if (marker == '{' && inner.Length == 0)
            {
                throw new TemplateException($"Template error in '{fieldName}': an empty expression '{{{{ }}}}'.");
            }

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
        TimeSpan t => PythonTimedelta(t),
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

    /// <summary>A duration as Python prints a timedelta: <c>1 day, 2:03:04</c>.</summary>
    private static string PythonTimedelta(TimeSpan t)
    {
        var days = (int)Math.Floor(t.TotalDays);
        var rest = t - TimeSpan.FromDays(days);
        var clock = string.Create(CultureInfo.InvariantCulture, $"{(int)rest.TotalHours}:{rest.Minutes:00}:{rest.Seconds:00}");
        return days == 0 ? clock : string.Create(CultureInfo.InvariantCulture, $"{days} day{(Math.Abs(days) == 1 ? "" : "s")}, {clock}");
    }

    private static async Task<object?> EvaluateAsync(string expression, TemplateScope scope, string fieldName, CancellationToken cancellationToken)
    {
        var value = await EvalAsync(TemplateExpression.Parse(expression, fieldName), scope, fieldName, cancellationToken);
        return value is TemplateUndefined undefined ? throw undefined.Error(fieldName) : value;
    }

    private static async ValueTask<object?> EvalAsync(TemplateExpression expression, TemplateScope scope, string fieldName, CancellationToken cancellationToken)
    {
        switch (expression)
        {
            case TemplateExpression.Literal literal:
                return literal.Value;
            case TemplateExpression.Variable name:
                return scope.Values.TryGetValue(name.Identifier, out var value) ? value : new TemplateUndefined(name.Identifier);
            case TemplateExpression.Member member:
                return await MemberOfAsync(await EvalAsync(member.Target, scope, fieldName, cancellationToken), member.Name, expression, fieldName, cancellationToken);
            case TemplateExpression.Index index:
                var key = Defined(await EvalAsync(index.Key, scope, fieldName, cancellationToken), fieldName);
                return await MemberOfAsync(await EvalAsync(index.Target, scope, fieldName, cancellationToken), Format(key), expression, fieldName, cancellationToken);
            case TemplateExpression.Call call:
                var function = Defined(await EvalAsync(call.Target, scope, fieldName, cancellationToken), fieldName) as TemplateFunction
                    ?? throw new TemplateException($"Template error in '{fieldName}': '{call.Target.PathText() ?? "the expression"}' cannot be called.");
                var (args, named) = await ArgumentsAsync(call.Args, call.Named, scope, fieldName, cancellationToken);
                try
                {
                    return function(args, named);
                }
                catch (Exception e) when (e is FormatException or ArgumentException or OverflowException or InvalidCastException)
                {
                    throw new TemplateException($"Template error in '{fieldName}': {call.Target.PathText() ?? "a call"}(): {e.Message}");
                }

            case TemplateExpression.Filter filter:
                var input = await EvalAsync(filter.Input, scope, fieldName, cancellationToken);
                var (filterArgs, filterNamed) = await ArgumentsAsync(filter.Args, filter.Named, scope, fieldName, cancellationToken);
                return TemplateFunctions.ApplyFilter(filter.Name, input, filterArgs, filterNamed, fieldName);
            case TemplateExpression.Binary binary:
                var left = Defined(await EvalAsync(binary.Left, scope, fieldName, cancellationToken), fieldName);
                var right = Defined(await EvalAsync(binary.Right, scope, fieldName, cancellationToken), fieldName);
                return Arithmetic(binary.Operator, left, right, fieldName);
            default:
                throw new TemplateException($"Template error in '{fieldName}': cannot evaluate the expression.");
        }
    }

    private static async ValueTask<(List<object?>, Dictionary<string, object?>)> ArgumentsAsync(
        IReadOnlyList<TemplateExpression> args,
        IReadOnlyDictionary<string, TemplateExpression> named,
        TemplateScope scope,
        string fieldName,
        CancellationToken cancellationToken)
    {
        var values = new List<object?>(args.Count);
        foreach (var arg in args)
        {
            values.Add(Defined(await EvalAsync(arg, scope, fieldName, cancellationToken), fieldName));
        }

        var namedValues = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var (name, arg) in named)
        {
            namedValues[name] = Defined(await EvalAsync(arg, scope, fieldName, cancellationToken), fieldName);
        }

        return (values, namedValues);
    }

    private static object? Defined(object? value, string fieldName) => value is TemplateUndefined undefined ? throw undefined.Error(fieldName) : value;

    private static async ValueTask<object?> MemberOfAsync(object? target, string name, TemplateExpression expression, string fieldName, CancellationToken cancellationToken)
    {
        // Reading a member of something undefined is the error (StrictUndefined); a missing member is undefined.
        var (found, value) = await MemberAsync(Defined(target, fieldName), name, cancellationToken);
        return found ? value : new TemplateUndefined(expression.PathText() ?? name);
    }

    private static object? Arithmetic(char op, object? left, object? right, string fieldName)
    {
        try
        {
            return (op, left, right) switch
            {
                ('~', _, _) => Format(left) + Format(right),
                ('+', DateTimeOffset d, TimeSpan t) => d + t,
                ('+', TimeSpan t, DateTimeOffset d) => d + t,
                ('+', TimeSpan a, TimeSpan b) => a + b,
                ('-', DateTimeOffset d, TimeSpan t) => d - t,
                ('-', DateTimeOffset a, DateTimeOffset b) => a - b,
                ('-', TimeSpan a, TimeSpan b) => a - b,
                ('+', string a, string b) => a + b,
                ('+', _, _) => TemplateFunctions.Number(left) + TemplateFunctions.Number(right),
                ('-', _, _) => TemplateFunctions.Number(left) - TemplateFunctions.Number(right),
                ('*', _, _) => TemplateFunctions.Number(left) * TemplateFunctions.Number(right),
                ('/', _, _) => TemplateFunctions.Number(left) / TemplateFunctions.Number(right),
                _ => throw new ArgumentException("unknown operator"),
            };
        }
        catch (Exception e) when (e is ArgumentException or DivideByZeroException or OverflowException)
        {
            throw new TemplateException(
                $"Template error in '{fieldName}': cannot compute {TemplateFunctions.Describe(left)} {op} {TemplateFunctions.Describe(right)} ({e.Message}).");
        }
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
            case DateTimeOffset date:
                return TemplateFunctions.DateMember(date, name);
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
}
