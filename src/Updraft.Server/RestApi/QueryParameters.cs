namespace Updraft.Server.RestApi;

/// <summary>
/// The query parameters a route reads, declared on it (<see cref="RouteBuilderExtensions.Query{TBuilder}"/>): the
/// served OpenAPI document lists them, and <see cref="ApiQuery"/> refuses, when <see cref="ApiQuery.Strict"/> is on
/// (the tests turn it on), to read one a route does not declare — so the document cannot drift from the routes.
/// </summary>
/// <param name="Types">Each parameter's name and OpenAPI type: <c>string</c>, <c>integer</c>, <c>boolean</c>,
/// <c>date-time</c> (a string in that format) or <c>array</c> (repeatable, of strings).</param>
public sealed record QueryParameters(IReadOnlyDictionary<string, string> Types)
{
    /// <summary><c>limit</c>, <c>offset</c> and repeatable <c>order_by</c>.</summary>
    public static readonly string[] Paging = ["limit:integer", "offset:integer", "order_by:array"];

    public static QueryParameters Parse(IEnumerable<string> specs)
    {
        ArgumentNullException.ThrowIfNull(specs);
        var types = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var spec in specs)
        {
            var parts = spec.Split(':', 2);
            types[parts[0]] = parts.Length > 1 ? parts[1] : "string";
        }

        return new QueryParameters(types);
    }
}
