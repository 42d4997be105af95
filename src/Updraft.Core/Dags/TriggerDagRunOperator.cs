using System.Text.Json.Nodes;
using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// Starts a run of another DAG (Airflow's <c>TriggerDagRunOperator</c>): a manual run with a templated run id, logical
/// date and conf, created queued through the orchestrator (the run starts when its DAG is unpaused and has room);
/// optionally waits until that run ends and fails if it failed. The triggered run's id is the XCom (also under
/// <c>trigger_run_id</c>).
/// </summary>
public sealed class TriggerDagRunOperator : Operator
{
    internal TriggerDagRunOperator(Dag dag, string taskId, string triggerDagId, string file, int line)
        : base(dag, taskId, file, line)
    {
        ArgumentException.ThrowIfNullOrEmpty(triggerDagId);
        TriggerDagId = triggerDagId;
    }

    public override string OperatorName => "TriggerDagRunOperator";

    /// <summary>The DAG to trigger (templated).</summary>
    public string TriggerDagId { get; }

    /// <summary>The new run's id (templated); null makes <c>manual__&lt;logical date&gt;</c>.</summary>
    public string? TriggerRunId { get; set; }

    /// <summary>The new run's logical date (templated, ISO 8601); null uses now.</summary>
    public string? LogicalDate { get; set; }

    /// <summary>The new run's conf; its string values are templates.</summary>
    public JsonObject? Conf { get; set; }

    /// <summary>Wait for the triggered run to end: succeed when it ends in <see cref="AllowedStates"/>, fail in <see cref="FailedStates"/>.</summary>
    public bool WaitForCompletion { get; set; }

    /// <summary>How often the triggered run's state is read while waiting (60 s, as Airflow).</summary>
    public TimeSpan PokeInterval { get; set; } = TimeSpan.FromSeconds(60);

    public IReadOnlyList<string> AllowedStates { get; set; } = ["success"];

    public IReadOnlyList<string> FailedStates { get; set; } = ["failed"];

    /// <summary>When a run with the id exists already: skip this task (true) instead of failing (false, the default).</summary>
    public bool SkipWhenAlreadyExists { get; set; }

    public override IEnumerable<KeyValuePair<string, string>> GetTemplateFields()
    {
        yield return new("trigger_dag_id", TriggerDagId);
        if (TriggerRunId is not null)
        {
            yield return new("trigger_run_id", TriggerRunId);
        }

        if (LogicalDate is not null)
        {
            yield return new("logical_date", LogicalDate);
        }
    }

    public override async Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var client = context.DagRuns ?? throw new InvalidOperationException(
            $"Task '{TaskId}' triggers DAG '{TriggerDagId}', which needs the orchestrator; in dag.Test() give DagTestOptions.DagRuns (for example a RecordingDagRuns).");
        var dagId = context.Rendered["trigger_dag_id"];
        var date = LogicalDate is null ? context.Clock.GetUtcNow()
            : Iso.TryParse(context.Rendered["logical_date"], out var parsed) ? parsed
            : throw new TaskFailedException($"logical_date '{context.Rendered["logical_date"]}' is not an ISO 8601 date.");
        var runId = TriggerRunId is null ? RunIds.Generate(DagRunType.Manual, date) : context.Rendered["trigger_run_id"];
        var conf = Conf is null ? null : (JsonObject)(await RenderAsync(Conf, context))!;

        try
        {
            await client.TriggerAsync(dagId, runId, date, conf, context.CancellationToken);
            context.Log.Info($"Triggered DAG {dagId} run {runId} (logical date {Iso.Format(date)})");
        }
        catch (DagRunTriggerException e) when (e.AlreadyExists && SkipWhenAlreadyExists)
        {
            throw new TaskSkippedException($"A run {runId} of {dagId} exists already; skipping (SkipWhenAlreadyExists).");
        }

        await context.XCom.PushAsync("trigger_run_id", runId);
        if (!WaitForCompletion)
        {
            return runId;
        }

        while (true)
        {
            await Task.Delay(PokeInterval, context.Clock, context.CancellationToken);
            var state = await client.GetRunStateAsync(dagId, runId, context.CancellationToken);
            context.Log.Info($"Waiting for DAG {dagId} run {runId}: {state ?? "gone"}");
            if (state is null)
            {
                throw new InvalidOperationException($"The triggered run {runId} of {dagId} is gone (deleted or cleared away).");
            }

            if (AllowedStates.Contains(state))
            {
                context.Log.Info($"{dagId} finished with allowed state {state}");
                return runId;
            }

            if (FailedStates.Contains(state))
            {
                throw new InvalidOperationException($"{dagId} failed with failed state {state}");
            }
        }
    }

    /// <summary>The conf with each string value rendered as a template, recursively.</summary>
    private static async Task<JsonNode?> RenderAsync(JsonNode? node, TaskContext context) => node switch
    {
        JsonObject obj => new JsonObject(await Task.WhenAll(obj.Select(async p => new KeyValuePair<string, JsonNode?>(p.Key, await RenderAsync(p.Value, context))))),
        JsonArray array => new JsonArray(await Task.WhenAll(array.Select(item => RenderAsync(item, context)))),
        JsonValue value when value.GetValueKind() == System.Text.Json.JsonValueKind.String => JsonValue.Create(await context.RenderAsync(value.GetValue<string>(), "conf")),
        _ => node?.DeepClone(),
    };
}
