using System.Text.Json.Nodes;

namespace Updraft.Scheduling.Operations;

/// <summary>A manual run to create: its id (default <c>manual__&lt;logical date&gt;</c>), logical date (default now) and conf.</summary>
public sealed record TriggerRequest(string DagId)
{
    public string? RunId { get; init; }

    public DateTimeOffset? LogicalDate { get; init; }

    public JsonObject? Conf { get; init; }

    /// <summary>A note left on the run, written by the actor who triggers it.</summary>
    public string? Note { get; init; }
}
