using Updraft.Core.Timetables;

namespace Updraft.Core.Serialization;

/// <summary>
/// A DAG's structure and settings as data (versioned JSON): what the scheduler, API and UI read, so they
/// never run user code. Every default is applied.
/// </summary>
public sealed record SerializedDag
{
    /// <summary>The format version this build writes; a reader refuses newer ones.</summary>
    public const int CurrentFormatVersion = 1;

    public int FormatVersion { get; init; } = CurrentFormatVersion;

    public required string DagId { get; init; }

    public required string Fileloc { get; init; }

    /// <summary>SHA-256 of the DAG file's content.</summary>
    public string SourceHash { get; init; } = "";

    /// <summary>
    /// SHA-256 of the shared-code bundle (the DAGs folder's <c>_shared</c> code) the DAG file was compiled against,
    /// when it uses that code; null when it does not. Part of the version: a try fetches this bundle with the file.
    /// </summary>
    public string? SharedHash { get; init; }

    public string? Description { get; init; }

    /// <summary>The schedule as the author wrote it (<c>0 3 * * *</c>, <c>@daily</c>, a span, or None).</summary>
    public string? ScheduleInterval { get; init; }

    public required ScheduleSpec Timetable { get; init; }

    public string TimetableSummary { get; init; } = "None";

    public DateTimeOffset? StartDate { get; init; }

    public DateTimeOffset? EndDate { get; init; }

    public string Timezone { get; init; } = "UTC";

    public bool Catchup { get; init; }

    public IReadOnlyList<string> Tags { get; init; } = [];

    public IReadOnlyList<string> Owners { get; init; } = [];

    public int MaxActiveRuns { get; init; }

    public int MaxActiveTasks { get; init; }

    public bool IsPausedUponCreation { get; init; }

    public IReadOnlyDictionary<string, SerializedParam> Params { get; init; } = new Dictionary<string, SerializedParam>();

    public string? DocMd { get; init; }

    /// <summary>Whether the DAG has success callbacks (the scheduler then asks the DAG processor to run them).</summary>
    public bool HasOnSuccessCallback { get; init; }

    public bool HasOnFailureCallback { get; init; }

    /// <summary>
    /// The assets the DAG is scheduled on, as Airflow's asset expression (<c>{"asset": …}</c>, <c>{"all": […]}</c>,
    /// <c>{"any": […]}</c>); null when it runs on time alone. With a time schedule too, it runs on either.
    /// </summary>
    public System.Text.Json.Nodes.JsonObject? AssetExpression { get; init; }

    /// <summary>The watchers of the assets the DAG is scheduled on (event-driven scheduling); null when none.</summary>
    public IReadOnlyList<SerializedAssetWatcher>? AssetWatchers { get; init; }

    /// <summary>The DAG's deadline, or null: the scheduler asks the DAG processor to run its callback when a run misses it.</summary>
    public SerializedDeadline? Deadline { get; init; }

    public IReadOnlyList<SerializedTask> Tasks { get; init; } = [];

    public IReadOnlyList<SerializedTaskGroup> TaskGroups { get; init; } = [];

    public SerializedTask GetTask(string taskId) => Tasks.FirstOrDefault(t => t.TaskId == taskId)
        ?? throw new KeyNotFoundException($"Task '{taskId}' not found in DAG '{DagId}'.");

    /// <summary>Every task downstream of <paramref name="taskId"/>, directly or not.</summary>
    public IReadOnlySet<string> DownstreamOf(string taskId)
    {
        var byId = Tasks.ToDictionary(t => t.TaskId, StringComparer.Ordinal);
        return Dags.Reachability.From(taskId, id => byId.TryGetValue(id, out var t) ? t.DownstreamTaskIds : []);
    }

    public TimeRestriction Restriction => new(StartDate, EndDate, Catchup);
}
