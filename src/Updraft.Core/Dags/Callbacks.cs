using System.Collections;
using Updraft.Core.Runtime;
using Updraft.Core.States;

namespace Updraft.Core.Dags;

/// <summary>
/// What a callback or notifier is told: the run, the task instance (for task callbacks; null for a DAG's), how it
/// ended and why. Callbacks run after the state is recorded: whatever they do or throw, the state stays as it is.
/// </summary>
public sealed class CallbackContext
{
    /// <summary>Airflow's name of the callback being run: <c>on_failure_callback</c>, <c>on_success_callback</c>, ….</summary>
    public required string Event { get; init; }

    public required DagRunContext DagRun { get; init; }

    /// <summary>The task's context for a task callback; null for a DAG callback.</summary>
    public TaskContext? TaskInstance { get; init; }

    /// <summary>The task instance's state for a task callback (<c>running</c> for on_execute).</summary>
    public TaskInstanceState? State { get; init; }

    /// <summary>The run's state for a DAG callback.</summary>
    public DagRunState? RunState { get; init; }

    /// <summary>The error that failed the task, or why the run ended (<c>task_failure</c>, <c>success</c>).</summary>
    public string? Reason { get; init; }

    public required TaskLogger Log { get; init; }

    public required IVariableStore Variables { get; init; }

    public required IConnectionStore Connections { get; init; }

    public CancellationToken CancellationToken { get; init; }

    public string DagId => DagRun.DagId;

    public string RunId => DagRun.RunId;

    public string? TaskId => TaskInstance?.TaskId;

    /// <summary>Renders a template against the task's context, or against the run's for a DAG callback.</summary>
    /// <remarks>
    /// Besides the usual names: <c>reason</c> (and Airflow's <c>exception</c>) hold <see cref="Reason"/>, <c>state</c>
    /// the task's or run's state, <c>event</c> the callback's name.
    /// </remarks>
    public Task<string> RenderAsync(string template, string fieldName = "template")
    {
        var state = State is { } s ? s.ToWireName() : RunState is { } r ? r.ToWireName() : null;
        var extra = new Dictionary<string, object?> { ["reason"] = Reason, ["exception"] = Reason, ["state"] = state, ["event"] = Event };
        var scope = TaskInstance is { } ti
            ? Templates.TemplateScope.For(ti).With(extra)
            : Templates.TemplateScope.ForRun(DagRun, Variables, Connections, extra);
        return Templates.TemplateRenderer.RenderAsync(template, scope, fieldName, CancellationToken);
    }
}

/// <summary>
/// Sends a message when a callback fires (Airflow's <c>BaseNotifier</c>): put one in a task's or a DAG's callbacks,
/// <c>OnFailure = { new WebhookNotifier("chat", "{{ dag.dag_id }} failed") }</c>. Subclass it for a new channel.
/// </summary>
public abstract class Notifier
{
    public abstract Task NotifyAsync(CallbackContext context);
}

/// <summary>
/// The callbacks of one event of a task or DAG: functions and <see cref="Notifier"/>s, run in order, each on its own:
/// one that throws is logged and the next still runs. Add to it with a collection initializer,
/// <c>OnFailure = { ctx => …, notifier }</c>, or <c>OnFailure.Add(…)</c>.
/// </summary>
public sealed class CallbackList : IEnumerable<Func<CallbackContext, Task>>
{
    private readonly List<(string Name, Func<CallbackContext, Task> Run)> _callbacks = [];

    public int Count => _callbacks.Count;

    public void Add(Func<CallbackContext, Task> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _callbacks.Add(("callback", callback));
    }

    public void Add(Action<CallbackContext> callback)
    {
        ArgumentNullException.ThrowIfNull(callback);
        _callbacks.Add(("callback", context =>
        {
            callback(context);
            return Task.CompletedTask;
        }));
    }

    public void Add(Notifier notifier)
    {
        ArgumentNullException.ThrowIfNull(notifier);
        _callbacks.Add((notifier.GetType().Name, notifier.NotifyAsync));
    }

    /// <summary>
    /// Runs every callback; one that throws is logged as an error and never reaches the caller (Airflow's "Error when
    /// executing on_failure_callback"). Returns how many failed.
    /// </summary>
    public async Task<int> RunAsync(CallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var failed = 0;
        foreach (var (name, run) in _callbacks)
        {
            try
            {
                await run(context);
            }
            catch (Exception e)
            {
                // A callback is user code and may throw anything; it must never change the state it reports on.
                failed++;
                context.Log.Error($"Error when executing {context.Event} ({name}): {e.GetType().Name}: {e.Message}");
            }
        }

        return failed;
    }

    public IEnumerator<Func<CallbackContext, Task>> GetEnumerator() => _callbacks.Select(c => c.Run).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
}

/// <summary>The events a task's callbacks are kept for, by Airflow's argument name.</summary>
public enum TaskCallbackEvent
{
    OnExecute,
    OnSuccess,
    OnFailure,
    OnRetry,
    OnSkipped,
}

public static class TaskCallbackEvents
{
    public static string ToWireName(this TaskCallbackEvent e) => e switch
    {
        TaskCallbackEvent.OnExecute => "on_execute_callback",
        TaskCallbackEvent.OnSuccess => "on_success_callback",
        TaskCallbackEvent.OnFailure => "on_failure_callback",
        TaskCallbackEvent.OnRetry => "on_retry_callback",
        _ => "on_skipped_callback",
    };

    /// <summary>The callback event a try that ended in <paramref name="state"/> fires, if any.</summary>
    public static TaskCallbackEvent? For(TaskInstanceState state) => state switch
    {
        TaskInstanceState.Success => TaskCallbackEvent.OnSuccess,
        TaskInstanceState.Failed => TaskCallbackEvent.OnFailure,
        TaskInstanceState.UpForRetry => TaskCallbackEvent.OnRetry,
        TaskInstanceState.Skipped => TaskCallbackEvent.OnSkipped,
        _ => null,
    };
}
