using System.Data.Common;
using Dapper;

namespace Updraft.Storage.Queries;

/// <summary>
/// Builds one list query: filters as parameters (never spliced into the SQL), the order from a fixed map of sortable
/// fields with a unique tie-breaker so pages never overlap, and the page; the count of all matches comes from the
/// same filters.
/// </summary>
internal sealed class ListSql(string from, IReadOnlyDictionary<string, string> sortable, string defaultOrder, string tieBreaker)
{
    private readonly List<string> _where = [];
    private readonly DynamicParameters _parameters = new();
    private int _next;

    public ListSql Where(string condition, object? value)
    {
        var name = $"p{_next++}";
        _where.Add(condition.Replace("@value", "@" + name, StringComparison.Ordinal));
        _parameters.Add(name, value);
        return this;
    }

    /// <summary><paramref name="condition"/> (with <c>@value</c>) for any of <paramref name="values"/>, OR-ed; nothing matches when there are none.</summary>
    public ListSql WhereAny(string condition, IReadOnlyCollection<string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var terms = new List<string>();
        foreach (var value in values)
        {
            var name = $"p{_next++}";
            terms.Add(condition.Replace("@value", "@" + name, StringComparison.Ordinal));
            _parameters.Add(name, value);
        }

        _where.Add(terms.Count == 0 ? "1 = 0" : "(" + string.Join(" OR ", terms) + ")");
        return this;
    }

    /// <summary>A <c>column IN (…)</c> filter; when <paramref name="values"/> is null nothing is filtered, when empty nothing matches.</summary>
    public ListSql In<T>(string column, IReadOnlyCollection<T>? values, Func<T, object?>? map = null)
    {
        if (values is null)
        {
            return this;
        }

        if (values.Count == 0)
        {
            _where.Add("1 = 0");
            return this;
        }

        var names = new List<string>();
        foreach (var value in values)
        {
            var name = $"p{_next++}";
            names.Add("@" + name);
            _parameters.Add(name, map is null ? value : map(value));
        }

        _where.Add($"{column} IN ({string.Join(", ", names)})");
        return this;
    }

    /// <summary>
    /// <paramref name="text"/> for a <c>LIKE … ESCAPE '!'</c> pattern (<see cref="LikeEscape"/>): its own <c>%</c>,
    /// <c>_</c> and <c>!</c> match only themselves. <c>!</c> rather than a backslash, which MySQL reads as an escape
    /// inside the string literal itself.
    /// </summary>
    public static string EscapeLike(string text) => text.Replace("!", "!!", StringComparison.Ordinal).Replace("%", "!%", StringComparison.Ordinal).Replace("_", "!_", StringComparison.Ordinal);

    /// <summary>The ESCAPE clause that goes with <see cref="EscapeLike"/>.</summary>
    public const string LikeEscape = "ESCAPE '!'";

    public async Task<Page<T>> RunAsync<T>(DbConnection connection, string select, PageRequest page)
    {
        ArgumentNullException.ThrowIfNull(page);
        if (page.Limit < 1)
        {
            throw new InvalidQueryException($"limit must be 1 or more, found {page.Limit}.");
        }

        if (page.Offset < 0)
        {
            throw new InvalidQueryException($"offset must be 0 or more, found {page.Offset}.");
        }

        var where = _where.Count > 0 ? " WHERE " + string.Join(" AND ", _where) : "";
        _parameters.Add("limit", page.Limit);
        _parameters.Add("offset", page.Offset);
        var items = (await connection.QueryAsync<T>($"{select} FROM {from}{where} ORDER BY {Order(page.OrderBy)} LIMIT @limit OFFSET @offset", _parameters)).ToList();
        var total = items.Count < page.Limit && (items.Count > 0 || page.Offset == 0)
            ? page.Offset + items.Count
            : await connection.ExecuteScalarAsync<long>($"SELECT count(*) FROM {from}{where}", _parameters);
        return new Page<T>(items, total);
    }

    private string Order(IReadOnlyList<string> orderBy)
    {
        if (orderBy.Count == 0)
        {
            return $"{defaultOrder}, {tieBreaker}";
        }

        var terms = new List<string>();
        foreach (var field in orderBy)
        {
            var descending = field.StartsWith('-');
            var name = descending ? field[1..] : field;
            if (!sortable.TryGetValue(name, out var column))
            {
                throw new InvalidQueryException($"Ordering with '{name}' is disallowed or the attribute does not exist on the model; sortable: {string.Join(", ", sortable.Keys.Order(StringComparer.Ordinal))}.");
            }

            terms.Add(column + (descending ? " DESC" : ""));
        }

        return string.Join(", ", terms) + ", " + tieBreaker;
    }
}
