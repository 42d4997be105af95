using System.Text.RegularExpressions;

namespace Updraft.Scheduling.Operations;

/// <summary>
/// Which task instances of a DAG to clear (Airflow's <c>tasks clear</c> and <c>clearTaskInstances</c>): every filter
/// left null matches all; <see cref="DryRun"/> only reports what would be cleared.
/// </summary>
public sealed record ClearRequest(string DagId)
{
    /// <summary>Only tasks whose id matches.</summary>
    public Regex? TaskIdPattern { get; init; }

    /// <summary>Only these tasks.</summary>
    public IReadOnlyCollection<string>? TaskIds { get; init; }

    /// <summary>Only this run.</summary>
    public string? RunId { get; init; }

    /// <summary>Only runs with a logical date on or after this.</summary>
    public DateTimeOffset? StartDate { get; init; }

    /// <summary>Only runs with a logical date on or before this.</summary>
    public DateTimeOffset? EndDate { get; init; }

    /// <summary>Also the tasks downstream of the matched ones.</summary>
    public bool IncludeDownstream { get; init; }

    /// <summary>Also the tasks upstream of the matched ones.</summary>
    public bool IncludeUpstream { get; init; }

    /// <summary>Only failed and upstream_failed task instances.</summary>
    public bool OnlyFailed { get; init; }

    /// <summary>Only running task instances.</summary>
    public bool OnlyRunning { get; init; }

    /// <summary>Move the runs to the DAG's latest version first (tasks it no longer has become removed, new ones are added).</summary>
    public bool RunOnLatestVersion { get; init; }

    /// <summary>Report what would be cleared and moved; change nothing.</summary>
    public bool DryRun { get; init; }
}
