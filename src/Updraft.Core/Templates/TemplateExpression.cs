using System.Globalization;
using System.Text;

namespace Updraft.Core.Templates;

/// <summary>
/// One <c>{{ … }}</c> expression, parsed: literals (<c>'text'</c>, <c>7</c>, <c>2.5</c>, <c>True</c>, <c>None</c>),
/// names with members and indexes (<c>dag_run.conf['table']</c>), calls (<c>macros.ds_add(ds, 7)</c>,
/// <c>logical_date.strftime('%Y')</c>, keyword arguments as <c>days=1</c>), filters (<c>x | default('a') | upper</c>),
/// and <c>+</c>, <c>-</c>, <c>*</c>, <c>/</c>, <c>~</c> with Jinja's precedence (filters bind tightest).
/// </summary>
internal abstract record TemplateExpression
{
    public static TemplateExpression Parse(string text, string fieldName) => new Parser(text, fieldName).ParseAll();

    internal sealed record Literal(object? Value) : TemplateExpression;

    internal sealed record Variable(string Identifier) : TemplateExpression;

    internal sealed record Member(TemplateExpression Target, string Name) : TemplateExpression;

    internal sealed record Index(TemplateExpression Target, TemplateExpression Key) : TemplateExpression;

    internal sealed record Call(TemplateExpression Target, IReadOnlyList<TemplateExpression> Args, IReadOnlyDictionary<string, TemplateExpression> Named) : TemplateExpression;

    internal sealed record Filter(TemplateExpression Input, string Name, IReadOnlyList<TemplateExpression> Args, IReadOnlyDictionary<string, TemplateExpression> Named) : TemplateExpression;

    internal sealed record Binary(char Operator, TemplateExpression Left, TemplateExpression Right) : TemplateExpression;

    /// <summary>The dotted name an expression reads (<c>params.x</c>), for messages; null when it is not a plain path.</summary>
    public string? PathText() => this switch
    {
        Variable n => n.Identifier,
        Member m => m.Target.PathText() is { } t ? $"{t}.{m.Name}" : null,
        Index { Key: Literal { Value: var k } } i => i.Target.PathText() is { } t ? $"{t}.{TemplateRenderer.Format(k)}" : null,
        _ => null,
    };

    private sealed class Parser(string text, string fieldName)
    {
        private readonly List<(char Kind, string Text)> _tokens = Tokenize(text, fieldName);
        private int _pos;

        public TemplateExpression ParseAll()
        {
            if (_tokens.Count == 0)
            {
                throw new TemplateException($"Template error in '{fieldName}': an empty expression '{{{{ }}}}'.");
            }

            var expression = Additive();
            return _pos == _tokens.Count ? expression : throw Syntax();
        }

        // additive := multiplicative (('+' | '-' | '~') multiplicative)*
        private TemplateExpression Additive()
        {
            var left = Multiplicative();
            while (Peek() is ('o', "+" or "-" or "~"))
            {
                var op = Next().Text[0];
                left = new Binary(op, left, Multiplicative());
            }

            return left;
        }

        private TemplateExpression Multiplicative()
        {
            var left = Filtered();
            while (Peek() is ('o', "*" or "/"))
            {
                var op = Next().Text[0];
                left = new Binary(op, left, Filtered());
            }

            return left;
        }

        // filtered := postfix ('|' name ['(' arguments ')'])*
        private TemplateExpression Filtered()
        {
            var value = Postfix();
            while (Peek() is ('o', "|"))
            {
                Next();
                var name = Expect('n').Text;
                var (args, named) = Peek() is ('o', "(") ? Arguments() : ([], new Dictionary<string, TemplateExpression>());
                value = new Filter(value, name, args, named);
            }

            return value;
        }

        // postfix := primary ('.' name | '[' additive ']' | '(' arguments ')')*
        private TemplateExpression Postfix()
        {
            var value = Primary();
            while (true)
            {
                switch (Peek())
                {
                    case ('o', "."):
                        Next();
                        value = new Member(value, Next() is ('n' or '#', var member) ? member : throw Syntax());
                        break;
                    case ('o', "["):
                        Next();
                        var key = Additive();
                        ExpectOperator("]");
                        value = new Index(value, key);
                        break;
                    case ('o', "("):
                        var (args, named) = Arguments();
                        value = new Call(value, args, named);
                        break;
                    default:
                        return value;
                }
            }
        }

        private TemplateExpression Primary()
        {
            var (kind, token) = Next();
            switch (kind)
            {
                case 's':
                    return new Literal(token);
                case '#':
                    return new Literal(decimal.Parse(token, NumberStyles.Number, CultureInfo.InvariantCulture));
                case 'n':
                    return token switch
                    {
                        "True" or "true" => new Literal(true),
                        "False" or "false" => new Literal(false),
                        "None" or "none" => new Literal(null),
                        _ => new Variable(token),
                    };
                case 'o' when token == "(":
                    var inner = Additive();
                    ExpectOperator(")");
                    return inner;
                case 'o' when token == "-":
                    return new Binary('-', new Literal(0m), Postfix());
                default:
                    throw Syntax();
            }
        }

        private (List<TemplateExpression>, Dictionary<string, TemplateExpression>) Arguments()
        {
            ExpectOperator("(");
            var args = new List<TemplateExpression>();
            var named = new Dictionary<string, TemplateExpression>(StringComparer.Ordinal);
            while (Peek() is not ('o', ")"))
            {
                if (Peek() is ('n', var name) && _pos + 1 < _tokens.Count && _tokens[_pos + 1] == ('o', "="))
                {
                    _pos += 2;
                    named[name] = Additive();
                }
                else
                {
                    args.Add(Additive());
                }

                if (Peek() is ('o', ","))
                {
                    Next();
                }
                else if (Peek() is not ('o', ")"))
                {
                    throw Syntax();
                }
            }

            Next();
            return (args, named);
        }

        private (char Kind, string Text) Peek() => _pos < _tokens.Count ? _tokens[_pos] : ('\0', "");

        private (char Kind, string Text) Next() => _pos < _tokens.Count ? _tokens[_pos++] : throw Syntax();

        private (char Kind, string Text) Expect(char kind) => Next() is var t && t.Kind == kind ? t : throw Syntax();

        private void ExpectOperator(string op)
        {
            if (Next() != ('o', op))
            {
                throw Syntax();
            }
        }

        private TemplateException Syntax() => new($"Template error in '{fieldName}': cannot read the expression '{{{{ {text} }}}}'.");

        /// <summary>Tokens: n (name), s (string), # (number), o (operator).</summary>
        private static List<(char, string)> Tokenize(string text, string fieldName)
        {
            var tokens = new List<(char, string)>();
            var i = 0;
            while (i < text.Length)
            {
                var c = text[i];
                if (char.IsWhiteSpace(c))
                {
                    i++;
                }
                else if (char.IsAsciiLetter(c) || c == '_')
                {
                    var start = i;
                    while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_'))
                    {
                        i++;
                    }

                    tokens.Add(('n', text[start..i]));
                }
                else if (char.IsAsciiDigit(c))
                {
                    var start = i;
                    while (i < text.Length && (char.IsAsciiDigit(text[i]) || (text[i] == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1]))))
                    {
                        i++;
                    }

                    tokens.Add(('#', text[start..i]));
                }
                else if (c is '\'' or '"')
                {
                    var value = new StringBuilder();
                    i++;
                    while (i < text.Length && text[i] != c)
                    {
                        if (text[i] == '\\' && i + 1 < text.Length)
                        {
                            i++;
                            value.Append(text[i] switch { 'n' => '\n', 't' => '\t', var e => e });
                        }
                        else
                        {
                            value.Append(text[i]);
                        }

                        i++;
                    }

                    if (i >= text.Length)
                    {
                        throw new TemplateException($"Template error in '{fieldName}': unterminated string literal {text}.");
                    }

                    i++;
                    tokens.Add(('s', value.ToString()));
                }
                else if ("+-*/~|.,()[]=".Contains(c, StringComparison.Ordinal))
                {
                    tokens.Add(('o', c.ToString()));
                    i++;
                }
                else
                {
                    throw new TemplateException($"Template error in '{fieldName}': cannot read the expression '{{{{ {text} }}}}'.");
                }
            }

            return tokens;
        }
    }
}
