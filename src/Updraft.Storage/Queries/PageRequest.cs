namespace Updraft.Storage.Queries;

/// <summary>
/// Which page of a list, in which order: <see cref="OrderBy"/> names fields as the REST API does (<c>start_date</c>,
/// <c>-start_date</c> for descending; several are applied in turn). Fields a list does not sort by are refused with
/// <see cref="InvalidQueryException"/>.
/// </summary>
public sealed record PageRequest
{
    public const int DefaultLimit = 100;

    /// <summary>The most items on the page (at least 1).</summary>
    public int Limit { get; init; } = DefaultLimit;

    /// <summary>How many matching items come before the page.</summary>
    public int Offset { get; init; }

    /// <summary>Fields to sort by, first to last; empty for the list's own default order.</summary>
    public IReadOnlyList<string> OrderBy { get; init; } = [];
}
