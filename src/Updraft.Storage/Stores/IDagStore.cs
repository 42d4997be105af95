using Updraft.Core.Serialization;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>DAGs in the metadata database: serialized versions, the dag table (paused, next run), import errors. The seam the scheduler, the application services and the REST API use.</summary>
public interface IDagStore
{
    /// <summary>One page of <see cref="DagRecord"/> rows matching <paramref name="query"/>, in its order, with the count of all matches.</summary>
    Task<Page<DagRecord>> QueryAsync(DagQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records what the DAG processor found: a new serialized version for each DAG whose content changed, the
    /// dag rows (a new DAG starts paused as its serialized form says), DAGs of
    /// processed files that are gone marked inactive, and import errors replaced for the processed files. The
    /// arguments of asset watchers' triggers are stored encrypted with <paramref name="triggerKwargs"/>.
    /// </summary>
    Task SyncAsync(
        IReadOnlyCollection<SerializedDag> dags,
        IReadOnlyCollection<(string File, int Line, string Message)> importErrors,
        IReadOnlyCollection<string> processedFiles,
        TriggerKwargsCipher triggerKwargs,
        DateTimeOffset now,
        CancellationToken cancellationToken = default);

    /// <summary>Marks inactive every DAG whose file is not in <paramref name="existingFiles"/> (the file was deleted).</summary>
    Task DeactivateMissingFilesAsync(IReadOnlySet<string> existingFiles, CancellationToken cancellationToken = default);

    Task<DagRecord?> GetAsync(string dagId, CancellationToken cancellationToken = default);

    /// <summary>Active, unpaused DAGs whose next run is due by <paramref name="now"/>.</summary>
    Task<IReadOnlyList<DagRecord>> DueAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The given DAGs' max active runs and max active tasks settings.</summary>
    Task<Dictionary<string, (int MaxActiveRuns, int MaxActiveTasks)>> LimitsAsync(IReadOnlyCollection<string> dagIds, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DagRecord>> ListAsync(bool activeOnly = true, CancellationToken cancellationToken = default);

    /// <summary>The latest (or the given) serialized version of a DAG.</summary>
    Task<(SerializedDag Dag, int Version)?> GetSerializedAsync(string dagId, int? version = null, CancellationToken cancellationToken = default);

    /// <summary>Pauses or unpauses; returns false when there is no such DAG.</summary>
    Task<bool> SetPausedAsync(string dagId, bool paused, CancellationToken cancellationToken = default);

    Task SetNextRunAsync(string dagId, DagRunInfo? next, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<(string Filename, int Line, string Message)>> ImportErrorsAsync(CancellationToken cancellationToken = default);

    /// <summary>Import errors with when they were recorded, by file name.</summary>
    Task<IReadOnlyList<(string Filename, int Line, string Message, DateTimeOffset Timestamp)>> ImportErrorsWithTimesAsync(CancellationToken cancellationToken = default);

    /// <summary>The tags of the given DAGs, by DAG (DAGs without tags are left out).</summary>
    Task<IReadOnlyDictionary<string, IReadOnlyList<string>>> TagsAsync(IReadOnlyCollection<string> dagIds, CancellationToken cancellationToken = default);

    /// <summary>One page of the distinct tag names, optionally containing <paramref name="pattern"/>, of the given DAGs (null: all).</summary>
    Task<Page<string>> TagNamesAsync(string? pattern, IReadOnlyCollection<string>? dagIds, PageRequest page, CancellationToken cancellationToken = default);

    /// <summary>How many runs each DAG has in each state (of the given DAGs, or all).</summary>
    Task<IReadOnlyList<(string DagId, string State, int Count)>> RunCountsAsync(IReadOnlyCollection<string>? dagIds, CancellationToken cancellationToken = default);

    /// <summary>The serialized versions of several DAGs, with when each was recorded.</summary>
    Task<IReadOnlyList<(string DagId, int Version, DateTimeOffset CreatedAt)>> VersionsAsync(IReadOnlyCollection<string> dagIds, CancellationToken cancellationToken = default);

    /// <summary>A DAG's serialized versions, oldest first, with when each was recorded.</summary>
    Task<IReadOnlyList<(int Version, DateTimeOffset CreatedAt)>> VersionsAsync(string dagId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a DAG and everything recorded about it; returns false when there is no such DAG.</summary>
    Task<bool> DeleteAsync(string dagId, CancellationToken cancellationToken = default);
}
