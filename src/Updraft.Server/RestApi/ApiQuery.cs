using System.Globalization;
using Microsoft.AspNetCore.Http;
using Updraft.Storage.Queries;

namespace Updraft.Server.RestApi;

/// <summary>
/// Reads a REST request's query string as Airflow's API does: <c>limit</c> (default 50, at most
/// <c>[api] maximum_page_limit</c>), <c>offset</c>, repeatable <c>order_by</c>, filters as repeated parameters; a value
/// of the wrong type is a 422 naming the parameter.
/// </summary>
public sealed class ApiQuery(HttpRequest request)
{
    public const int DefaultLimit = 50;

    /// <summary>
    /// When on (the tests turn it on), reading a parameter the route does not declare with
    /// <see cref="RouteBuilderExtensions.Query{TBuilder}"/> is a bug that throws, so the OpenAPI document stays true.
    /// </summary>
    public static bool Strict { get; set; }

    private string Declared(string name)
    {
        if (Strict && request.HttpContext.GetEndpoint() is { } endpoint
            && endpoint.Metadata.GetMetadata<QueryParameters>()?.Types.ContainsKey(name) != true)
        {
            throw new InvalidOperationException($"The route {endpoint.DisplayName} reads the query parameter '{name}' without declaring it (.Query(...)).");
        }

        return name;
    }

    public PageRequest Page(int maximumLimit, params string[] defaultOrder)
    {
        var limit = Int("limit") ?? DefaultLimit;
        var offset = Int("offset") ?? 0;
        if (limit < 0)
        {
            throw ApiException.Invalid(["query", "limit"], "Input should be greater than or equal to 0", "greater_than_equal", limit);
        }

        if (offset < 0)
        {
            throw ApiException.Invalid(["query", "offset"], "Input should be greater than or equal to 0", "greater_than_equal", offset);
        }

        var order = Strings("order_by").SelectMany(o => o.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToList();
        return new PageRequest { Limit = Math.Min(limit, maximumLimit), Offset = offset, OrderBy = order.Count > 0 ? order : defaultOrder };
    }

    public string? String(string name) => request.Query.TryGetValue(Declared(name), out var values) && values.Count > 0 ? values[^1] : null;

    /// <summary>Every value of a repeated parameter; null when it is absent.</summary>
    public IReadOnlyList<string> Strings(string name) => request.Query.TryGetValue(Declared(name), out var values) ? [.. values.OfType<string>()] : [];

    public IReadOnlyList<string>? StringsOrNull(string name) => request.Query.ContainsKey(Declared(name)) ? Strings(name) : null;

    public int? Int(string name)
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw ApiException.Invalid(["query", name], "Input should be a valid integer, unable to parse string as an integer", "int_parsing", text);
    }

    public bool? Bool(string name)
    {
        var text = String(name);
        return text?.ToLowerInvariant() switch
        {
            null => null,
            "true" or "1" or "yes" or "on" or "t" or "y" => true,
            "false" or "0" or "no" or "off" or "f" or "n" => false,
            _ => throw ApiException.Invalid(["query", name], "Input should be a valid boolean, unable to interpret input", "bool_parsing", text),
        };
    }

    public DateTimeOffset? Date(string name)
    {
        var text = String(name);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var value)
            ? value
            : throw ApiException.Invalid(["query", name], "Input should be a valid datetime", "datetime_from_date_parsing", text);
    }
}
