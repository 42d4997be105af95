using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;

namespace Updraft.Core.Triggers;

/// <summary>
/// Fires when a run of another DAG, or one of its tasks, at <see cref="LogicalDate"/> reaches one of
/// <see cref="States"/> (Airflow's <c>WorkflowTrigger</c>, the deferrable external task sensor's). Checked every
/// <see cref="PokeInterval"/>; the event's payload is the state found.
/// </summary>
public sealed class WorkflowTrigger : Trigger
{
    public string ExternalDagId { get; init; } = "";

    /// <summary>The task to watch; null watches the whole run.</summary>
    public string? ExternalTaskId { get; init; }

    public DateTimeOffset LogicalDate { get; init; }

    /// <summary>The states that end the wait (the sensor's allowed, failed and skipped states).</summary>
    public IReadOnlyList<string> States { get; init; } = ["success"];

    public TimeSpan PokeInterval { get; init; } = TimeSpan.FromSeconds(5);

    public override async IAsyncEnumerable<TriggerEvent> RunAsync(TriggerContext context, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var client = context.DagRuns ?? throw new InvalidOperationException("WorkflowTrigger needs the orchestrator's runs, which this triggerer does not have.");
        var pause = PokeInterval > TimeSpan.Zero ? PokeInterval : TimeSpan.FromSeconds(1);
        while (true)
        {
            var state = await client.GetStateAtAsync(ExternalDagId, ExternalTaskId, LogicalDate, cancellationToken);
            if (state is not null && States.Contains(state))
            {
                context.Log.Info($"{(ExternalTaskId is null ? $"DAG {ExternalDagId}" : $"Task {ExternalDagId}.{ExternalTaskId}")} on {Runtime.Iso.Format(LogicalDate)} is {state}.");
                yield return new TriggerEvent(JsonValue.Create(state));
                yield break;
            }

            await Task.Delay(pause < TimeSpan.FromDays(1) ? pause : TimeSpan.FromDays(1), context.Clock, cancellationToken);
        }
    }
}
