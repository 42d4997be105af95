using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// Waits for a task, or a whole run, of another DAG (Airflow's <c>ExternalTaskSensor</c>): the run with the same logical
/// date (less <see cref="ExecutionDelta"/>), checked every <see cref="SensorOperator.PokeInterval"/> until it reaches one of
/// <see cref="AllowedStates"/>. A state in <see cref="FailedStates"/> fails the sensor, one in <see cref="SkippedStates"/>
/// skips it; past <see cref="SensorOperator.Timeout"/> it fails, or with <see cref="SensorOperator.SoftFail"/> skips.
/// </summary>
public sealed class ExternalTaskSensor : SensorOperator
{
    internal ExternalTaskSensor(Dag dag, string taskId, string externalDagId, string? externalTaskId, string file, int line)
        : base(dag, taskId, file, line)
    {
        ArgumentException.ThrowIfNullOrEmpty(externalDagId);
        ExternalDagId = externalDagId;
        ExternalTaskId = externalTaskId;
    }

    public override string OperatorName => "ExternalTaskSensor";

    public string ExternalDagId { get; }

    /// <summary>The task to wait for; null waits for the whole run.</summary>
    public string? ExternalTaskId { get; }

    /// <summary>How far before this run's logical date the other run's lies (Airflow's <c>execution_delta</c>).</summary>
    public TimeSpan ExecutionDelta { get; set; } = TimeSpan.Zero;

    public IReadOnlyList<string> AllowedStates { get; set; } = ["success"];

    /// <summary>States that fail the sensor at once (none by default, as Airflow: it waits until the timeout).</summary>
    public IReadOnlyList<string> FailedStates { get; set; } = [];

    public IReadOnlyList<string> SkippedStates { get; set; } = [];

    protected override async Task<PokeResult> PokeAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var what = ExternalTaskId is null ? $"DAG {ExternalDagId}" : $"task {ExternalDagId}.{ExternalTaskId}";
        var client = context.DagRuns ?? throw new InvalidOperationException(
            $"Task '{TaskId}' waits for {what}, which needs the orchestrator; in dag.Test() give DagTestOptions.DagRuns (for example a RecordingDagRuns).");
        var date = context.LogicalDate - ExecutionDelta;
        var state = await client.GetStateAtAsync(ExternalDagId, ExternalTaskId, date, context.CancellationToken);
        context.Log.Info($"Poking for {what} on {Iso.Format(date)}: {state ?? "no run yet"}");
        if (state is not null && AllowedStates.Contains(state))
        {
            return PokeResult.Done();
        }

        if (state is not null && FailedStates.Contains(state))
        {
            var failed = $"The external {what} on {Iso.Format(date)} is {state}.";
            // Retried like any failure; a timeout is not (Airflow's AirflowSensorTimeout).
            throw SensorFailure(failed);
        }

        if (state is not null && SkippedStates.Contains(state))
        {
            throw new TaskSkippedException($"The external {what} on {Iso.Format(date)} is {state}; skipping.");
        }

        return PokeResult.NotDone;
    }

    /// <summary>Deferrable, it waits in the triggerer for the other run or task to reach a state it acts on.</summary>
    protected override Task<Triggers.Trigger?> WaitTriggerAsync(TaskContext context, TimeSpan pokeInterval)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.FromResult<Triggers.Trigger?>(new Triggers.WorkflowTrigger
        {
            ExternalDagId = ExternalDagId,
            ExternalTaskId = ExternalTaskId,
            LogicalDate = context.LogicalDate - ExecutionDelta,
            States = [.. AllowedStates, .. FailedStates, .. SkippedStates],
            PokeInterval = pokeInterval,
        });
    }
}
