using System.Text.Json.Nodes;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.Timetables;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>DAG runs in the metadata database; every state change goes through the run transition table.</summary>
public interface IDagRunStore
{
    /// <summary>One page of <see cref="DagRunRecord"/> rows matching <paramref name="query"/>, in its order, with the count of all matches.</summary>
    Task<Page<DagRunRecord>> QueryAsync(DagRunQuery query, CancellationToken cancellationToken = default);

    /// <summary>Creates a run in <paramref name="state"/> and a task instance (state none) for each task.</summary>
    Task<DagRunRecord> CreateAsync(
        SerializedDag dag,
        int dagVersion,
        string runId,
        DagRunType runType,
        DagRunInfo info,
        JsonObject? conf,
        DagRunState state,
        DateTimeOffset now,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a run to another version of its DAG (<c>tasks clear --run-on-latest-version</c>): task instances of tasks
    /// missing from that version become <c>removed</c> (unless a try of theirs is still queued, running or deferred),
    /// tasks new in it get task instances, and tasks back in it after being removed start again from none. Returns
    /// the ids of the tasks removed.
    /// </summary>
    Task<IReadOnlyList<string>> MoveToVersionAsync(DagRunRecord run, SerializedDag dag, int dagVersion, CancellationToken cancellationToken = default);

    Task<DagRunRecord?> GetAsync(string dagId, string runId, CancellationToken cancellationToken = default);

    /// <summary>Deletes a run with its task instances, their history and XComs; false when there is no such run.</summary>
    Task<bool> DeleteAsync(string dagId, string runId, CancellationToken cancellationToken = default);

    /// <summary>Sets (or, with null, removes) the note on a run; false when there is no such run.</summary>
    Task<bool> SetNoteAsync(string dagId, string runId, string? note, string? user, CancellationToken cancellationToken = default);

    /// <summary>The latest runs of each DAG (by run after, newest first), at most <paramref name="perDag"/> of each.</summary>
    Task<IReadOnlyList<DagRunRecord>> LatestOfEachAsync(IReadOnlyCollection<string> dagIds, int perDag, CancellationToken cancellationToken = default);

    /// <summary>Runs, newest logical date first; optionally of one DAG and in some states.</summary>
    Task<IReadOnlyList<DagRunRecord>> ListAsync(string? dagId = null, IReadOnlyCollection<DagRunState>? states = null, int limit = 100, CancellationToken cancellationToken = default);

    /// <summary>
    /// Claims up to <paramref name="limit"/> running runs that need evaluation and clears their flag, so a change
    /// after this moment flags them again. On PostgreSQL, rows another scheduler is claiming are skipped.
    /// </summary>
    Task<IReadOnlyList<DagRunRecord>> ClaimForEvaluationAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>Marks every running run for evaluation.</summary>
    Task FlagAllRunningAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Queued plus running runs per DAG (or running only), not counting backfill runs: those count against their
    /// backfill's own <c>max_active_runs</c>, not the DAG's (as in Airflow).
    /// </summary>
    Task<Dictionary<string, int>> ActiveCountsAsync(bool runningOnly = false, CancellationToken cancellationToken = default);

    /// <summary>The data interval of the DAG's latest scheduled or backfill run, which the timetable continues from.</summary>
    Task<DataInterval?> LatestAutomatedIntervalAsync(string dagId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a run from <paramref name="from"/> to <paramref name="to"/>; false if it was no longer in <paramref name="from"/>.
    /// With <paramref name="unlessFlagged"/> (the scheduler finishing a run it evaluated), also false when something
    /// flagged the run for evaluation since it was claimed (a try ended, tasks were cleared): the next pass decides
    /// again from the new states, so cleared task instances are never left in a finished run.
    /// </summary>
    Task<bool> TransitionAsync(long id, DagRunState from, DagRunState to, DateTimeOffset now, bool unlessFlagged = false, CancellationToken cancellationToken = default);
}
