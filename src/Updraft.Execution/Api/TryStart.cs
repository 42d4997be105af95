using Updraft.Core.Serialization;

namespace Updraft.Execution.Api;

/// <summary>
/// What a started try needs to run: its run's context (type, logical date, data interval, conf), the DAG version
/// the run uses and the file it was built from, and the task's settings in that version.
/// </summary>
public sealed record TryStart
{
    public required string RunType { get; init; }

    public required DateTimeOffset LogicalDate { get; init; }

    public required DateTimeOffset DataIntervalStart { get; init; }

    public required DateTimeOffset DataIntervalEnd { get; init; }

    /// <summary>The run's conf, a JSON object.</summary>
    public string Conf { get; init; } = "{}";

    public required int DagVersion { get; init; }

    /// <summary>The DAG file of that version.</summary>
    public required string Fileloc { get; init; }

    /// <summary>The hash of that version's DAG file content.</summary>
    public required string SourceHash { get; init; }

    /// <summary>The hash of the shared-code bundle that version was compiled against, when it uses one (fetched like the file).</summary>
    public string? SharedHash { get; init; }

    public required SerializedTask Task { get; init; }

    /// <summary>For a sensor's try it rescheduled before: when the try's first poke started (its timeout counts from there).</summary>
    public DateTimeOffset? FirstPokeAt { get; init; }

    /// <summary>How many times the try was rescheduled before.</summary>
    public int Reschedules { get; init; }

    /// <summary>For a try that deferred and whose trigger fired: the method it resumes in (<c>__fail__</c> when the trigger failed or timed out).</summary>
    public string? NextMethod { get; init; }

    /// <summary>The values the try handed itself when it deferred.</summary>
    public System.Text.Json.Nodes.JsonObject? NextKwargs { get; init; }

    /// <summary>The payload of the trigger's event.</summary>
    public System.Text.Json.Nodes.JsonNode? NextEvent { get; init; }

    /// <summary>For an asset-triggered run: the events that started it, oldest first.</summary>
    public IReadOnlyList<Core.Assets.TriggeringAssetEvent> TriggeringAssetEvents { get; init; } = [];

    /// <summary>The DAG's timetable in that version.</summary>
    public Core.Timetables.ScheduleSpec? Timetable { get; init; }
}
