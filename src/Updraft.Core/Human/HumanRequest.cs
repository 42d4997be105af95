using System.Text.Json.Nodes;

namespace Updraft.Core.Runtime;

/// <summary>
/// What a human-in-the-loop task asks (Airflow's HITL detail): a subject and body, the options to choose from (one,
/// or several with <see cref="Multiple"/>), the values to enter (<see cref="Params"/>, with their defaults), and what is
/// taken when nobody answers before <see cref="TimeoutAt"/> (<see cref="Defaults"/>; none fails the task).
/// </summary>
public sealed record HumanRequest(string Subject, IReadOnlyList<string> Options)
{
    public string? Body { get; init; }

    public IReadOnlyList<string>? Defaults { get; init; }

    public bool Multiple { get; init; }

    public JsonObject Params { get; init; } = [];

    public DateTimeOffset? TimeoutAt { get; init; }
}

/// <summary>An answer: the options chosen, the values entered, who answered (null when the defaults were taken at the timeout) and when.</summary>
public sealed record HumanResponse(IReadOnlyList<string> ChosenOptions, JsonObject ParamsInput, string? RespondedBy, DateTimeOffset RespondedAt)
{
    /// <summary>The answer as a task result and trigger payload.</summary>
    public JsonObject ToJson() => new()
    {
        ["chosen_options"] = new JsonArray([.. ChosenOptions.Select(o => (JsonNode?)JsonValue.Create(o))]),
        ["params_input"] = ParamsInput.DeepClone(),
        ["responded_by"] = RespondedBy,
        ["responded_at"] = Iso.Format(RespondedAt),
    };

    public static HumanResponse FromJson(JsonNode node)
    {
        ArgumentNullException.ThrowIfNull(node);
        return new(
            [.. (node["chosen_options"] as JsonArray ?? []).Select(o => (string)o!)],
            node["params_input"] as JsonObject is { } p ? (JsonObject)p.DeepClone() : [],
            (string?)node["responded_by"],
            DateTimeOffset.Parse((string)node["responded_at"]!, System.Globalization.CultureInfo.InvariantCulture));
    }
}

/// <summary>Where a human-in-the-loop task puts its question (the execution API in a worker; memory in <c>dags test</c>).</summary>
public interface IHumanInput
{
    Task RequestAsync(HumanRequest request, CancellationToken cancellationToken = default);
}

/// <summary>Where the triggerer looks for the answer, and records the defaults taken at a timeout.</summary>
public interface IHumanResponses
{
    /// <summary>The answer to the question of that task instance, or null while there is none.</summary>
    Task<HumanResponse?> GetAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken = default);

    /// <summary>Records an answer unless there is one already; false when there was.</summary>
    Task<bool> RespondAsync(string dagId, string runId, string taskId, int mapIndex, HumanResponse response, CancellationToken cancellationToken = default);
}
