using System.Text.Json.Nodes;

namespace Updraft.Core.Triggers;

/// <summary>
/// Thrown by <see cref="Runtime.TaskContext.Defer"/> (Airflow's <c>TaskDeferred</c>): the try stops, its worker slot
/// is freed, and when <see cref="Trigger"/> fires the task resumes in <see cref="Method"/> with the event (state
/// <c>deferred</c> meanwhile); past <see cref="Timeout"/> it fails (its retries apply).
/// </summary>
public sealed class TaskDeferredException(Trigger trigger, JsonObject triggerKwargs, string method, JsonObject? kwargs, TimeSpan? timeout)
    : Exception($"Deferring the task on {trigger?.GetType().Name}; it resumes in {method}.")
{
    public Trigger Trigger { get; } = trigger ?? throw new ArgumentNullException(nameof(trigger));

    /// <summary>The trigger's stored arguments, already checked.</summary>
    public JsonObject TriggerKwargs { get; } = triggerKwargs;

    /// <summary>The method the task resumes in; <see cref="Runtime.TaskContext.ExecuteMethod"/> runs the task again.</summary>
    public string Method { get; } = method;

    /// <summary>Values handed to the resumed method (<see cref="Runtime.TaskContext.NextKwargs"/>).</summary>
    public JsonObject? Kwargs { get; } = kwargs;

    public TimeSpan? Timeout { get; } = timeout;
}
