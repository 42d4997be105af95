using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Runtime;

namespace Updraft.Core.Triggers;

/// <summary>
/// An asynchronous wait a task defers itself on (Airflow's <c>BaseTrigger</c>): <see cref="RunAsync"/> yields events,
/// and the first one resumes the task. A trigger is stored between the task's tries as its type and its public
/// properties in JSON, so it must be rebuilt from them alone: give it a constructor or init properties for every value
/// it needs, all JSON-serializable.
/// </summary>
public abstract class Trigger
{
    /// <summary>Waits, and yields the event that resumes the task (a payload the task's resume method receives).</summary>
    public abstract IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, CancellationToken cancellationToken);

    /// <summary>The trigger's type as stored (its full .NET name).</summary>
    public string TypeName => GetType().FullName ?? GetType().Name;

    /// <summary>
    /// The trigger's arguments as stored, checked by rebuilding the trigger from them; a trigger that cannot be
    /// serialized, or not rebuilt, fails with a message naming it.
    /// </summary>
    public JsonObject Serialize()
    {
        JsonObject kwargs;
        try
        {
            kwargs = JsonSerializer.SerializeToNode(this, GetType(), Json) as JsonObject ?? [];
            Deserialize(GetType(), kwargs);
        }
        catch (Exception e) when (e is NotSupportedException or JsonException or InvalidOperationException or ArgumentException)
        {
            throw new TriggerSerializationException($"Trigger {GetType().Name} cannot be serialized: {e.Message}", e);
        }

        return kwargs;
    }

    /// <summary>Rebuilds a trigger of <paramref name="type"/> from its stored arguments.</summary>
    public static Trigger Deserialize(Type type, JsonObject kwargs)
    {
        ArgumentNullException.ThrowIfNull(type);
        ArgumentNullException.ThrowIfNull(kwargs);
        if (!typeof(Trigger).IsAssignableFrom(type))
        {
            throw new ArgumentException($"{type.FullName} is not a trigger.", nameof(type));
        }

        return (Trigger?)kwargs.Deserialize(type, Json) ?? throw new JsonException($"Trigger {type.Name} came back empty.");
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { IgnoreReadOnlyProperties = true };
}

/// <summary>What a trigger fired with: the payload its task's resume method receives (Airflow's <c>TriggerEvent</c>).</summary>
public sealed record TriggerEvent(JsonNode? Payload = null)
{
    /// <summary>
    /// For asset watchers: called once the event is stored as an asset event, before the trigger is asked for the
    /// next one — where a source acknowledges what it delivered (a queue acks its message, a file drop moves its
    /// file), so an event lost to a database error or a crash is delivered again rather than lost.
    /// </summary>
    public Func<CancellationToken, Task>? Stored { get; init; }
}

/// <summary>What a running trigger may use: the clock, a log (its task's), and the orchestrator's runs and connections.</summary>
public sealed class TriggerContext
{
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    public required TaskLogger Log { get; init; }

    /// <summary>Runs and task instances of any DAG (for triggers that wait on another DAG); null where there are none to ask.</summary>
    public IDagRunClient? DagRuns { get; init; }

    /// <summary>Connections, through the secrets chain (for triggers that call a service).</summary>
    public IConnectionStore? Connections { get; init; }

    /// <summary>Answers to human-in-the-loop tasks; null where there are none to read.</summary>
    public IHumanResponses? HumanResponses { get; init; }
}

/// <summary>A trigger whose arguments cannot be stored: the task fails, naming the trigger and why.</summary>
public sealed class TriggerSerializationException(string message, Exception inner) : Exception(message, inner);
