namespace Updraft.Storage.Queries;

/// <summary>Which DAGs to list (<see cref="Stores.IDagStore"/>); every filter left null matches all.</summary>
public sealed record DagQuery
{
    /// <summary>Only DAGs whose id contains this text (Airflow's <c>dag_id_pattern</c>), case-insensitively.</summary>
    public string? DagIdPattern { get; init; }

    /// <summary>Only these DAGs.</summary>
    public IReadOnlyCollection<string>? DagIds { get; init; }

    /// <summary>Only paused (true) or unpaused (false) DAGs.</summary>
    public bool? Paused { get; init; }

    /// <summary>Only DAGs whose file still defines them (true, the default), only those that are gone (false), or both (null).</summary>
    public bool? Active { get; init; } = true;

    /// <summary>Only DAGs with any of these tags (or all of them, with <see cref="AllTags"/>).</summary>
    public IReadOnlyCollection<string>? Tags { get; init; }

    /// <summary>Whether <see cref="Tags"/> must all be present (Airflow's <c>tags_match_mode=all</c>).</summary>
    public bool AllTags { get; init; }

    /// <summary>Only DAGs owned by any of these owners.</summary>
    public IReadOnlyCollection<string>? Owners { get; init; }

    /// <summary>Only DAGs whose latest run (by logical date) is in one of these states.</summary>
    public IReadOnlyCollection<Core.States.DagRunState>? LastRunStates { get; init; }

    /// <summary>Sortable by dag_id, fileloc, last_parsed_time, next_dagrun; by dag_id by default.</summary>
    public PageRequest Page { get; init; } = new();
}
