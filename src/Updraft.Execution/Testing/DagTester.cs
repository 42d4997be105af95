using System.Globalization;
using System.Text.Json.Nodes;
using Updraft.Core.DagRuns;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;
using Updraft.Core.States;
using Updraft.Core.TriggerRules;
using Updraft.Execution.Tasks;

namespace Updraft.Execution.Testing;

/// <summary>
/// Runs a whole DAG run in this process, without a database: tasks run one at a time in dependency order,
/// with trigger rules, retries and XCom, through the same <see cref="TaskRunner"/> executors use.
/// </summary>
public sealed class DagTester(DagTestOptions options)
{
    private readonly TaskRunner _runner = new(options.TimeProvider);

    public async Task<DagTestResult> RunAsync(Dag dag, DateTimeOffset? logicalDate = null, JsonObject? conf = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var serialized = DagSerializer.Serialize(dag, options.Defaults);
        var run = NewRun(dag, serialized, logicalDate, conf);
        var sink = options.Log ?? new TextTaskLogSink(Console.Out);
        var log = new TaskLogger(sink, options.TimeProvider, "dag_test");
        var secrets = EnvironmentSecrets.FromProcess();
        var xcom = new InMemoryXComStore();
        var states = serialized.Tasks.ToDictionary(t => t.TaskId, _ => TaskInstanceState.None, StringComparer.Ordinal);
        var tries = serialized.Tasks.ToDictionary(t => t.TaskId, _ => 0, StringComparer.Ordinal);
        log.Info($"Created DAG run {run.RunId} of {dag.DagId} (logical date {Iso.Format(run.LogicalDate)})");

        DagRunState? outcome;
        while (true)
        {
            var evaluation = DagRunEvaluator.Evaluate(serialized, states);
            foreach (var (taskId, state) in evaluation.States.Where(s => s.Value != states[s.Key]))
            {
                log.Info($"Marking task {taskId} as {state.ToWireName().ToUpperInvariant()} (trigger rule {serialized.GetTask(taskId).TriggerRule.ToWireName()})");
                states[taskId] = state;
            }

            outcome = evaluation.RunState;
            if (outcome is not null || evaluation.Ready.Count == 0)
            {
                break;
            }

            foreach (var taskId in evaluation.Ready)
            {
                if (states[taskId] != TaskInstanceState.None)
                {
                    // Skipped by a branch that ran earlier in this pass.
                    continue;
                }

                var settings = serialized.GetTask(taskId);
                tries[taskId]++;
                states[taskId] = TaskInstanceState.Running;
                var result = await _runner.RunAsync(
                    new TaskRunRequest(dag.GetTask(taskId), settings, run, tries[taskId], xcom, options.Variables ?? secrets, options.Connections ?? secrets, sink)
                    {
                        SkipDownstream = (ids, _) =>
                        {
                            foreach (var id in ids.Where(id => states[id] is TaskInstanceState.None or TaskInstanceState.Scheduled))
                            {
                                log.Info($"Marking task {id} as SKIPPED (skipped by {taskId})");
                                states[id] = TaskInstanceState.Skipped;
                            }

                            return Task.CompletedTask;
                        },
                    },
                    cancellationToken);
                states[taskId] = await AfterTryAsync(log, run, settings, result, tries[taskId], cancellationToken);
            }
        }

        var final = outcome ?? DagRunState.Failed;
        log.Info($"DAG run {run.RunId} finished as {final.ToWireName()}");
        return new DagTestResult(run, final, states, tries, xcom);
    }

    /// <summary>Runs one task of the DAG on its own, ignoring its dependencies (Airflow's <c>tasks test</c>).</summary>
    public async Task<TaskRunResult> RunTaskAsync(Dag dag, string taskId, DateTimeOffset? logicalDate = null, JsonObject? conf = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var serialized = DagSerializer.Serialize(dag, options.Defaults);
        var settings = serialized.GetTask(taskId);
        var run = NewRun(dag, serialized, logicalDate, conf);
        var secrets = EnvironmentSecrets.FromProcess();
        return await _runner.RunAsync(
            new TaskRunRequest(dag.GetTask(taskId), settings, run, 1, new InMemoryXComStore(), options.Variables ?? secrets, options.Connections ?? secrets, options.Log ?? new TextTaskLogSink(Console.Out)),
            cancellationToken);
    }

    /// <summary>The task's templated fields rendered for a run at <paramref name="logicalDate"/> (Airflow's <c>tasks render</c>).</summary>
    public async Task<IReadOnlyList<KeyValuePair<string, string>>> RenderAsync(Dag dag, string taskId, DateTimeOffset? logicalDate = null, JsonObject? conf = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(dag);
        var serialized = DagSerializer.Serialize(dag, options.Defaults);
        var task = dag.GetTask(taskId);
        var secrets = EnvironmentSecrets.FromProcess();
        var context = new TaskContext
        {
            DagRun = NewRun(dag, serialized, logicalDate, conf),
            Task = task,
            TryNumber = 1,
            MaxTries = serialized.GetTask(taskId).Retries + 1,
            Log = new TaskLogger(options.Log ?? new TextTaskLogSink(TextWriter.Null), options.TimeProvider),
            XComStore = new InMemoryXComStore(),
            Variables = options.Variables ?? secrets,
            Connections = options.Connections ?? secrets,
            CancellationToken = cancellationToken,
        };
        var rendered = new List<KeyValuePair<string, string>>();
        foreach (var (name, template) in task.GetTemplateFields())
        {
            rendered.Add(new(name, await context.RenderAsync(template, name)));
        }

        return rendered;
    }

    private DagRunContext NewRun(Dag dag, SerializedDag serialized, DateTimeOffset? logicalDate, JsonObject? conf)
    {
        var date = (logicalDate ?? options.TimeProvider.GetUtcNow()).ToUniversalTime();
        var interval = serialized.Timetable.ToTimetable().InferManualDataInterval(date);
        var parameters = dag.Params.Resolve(conf);
        return new DagRunContext(dag.DagId, RunIds.Generate(DagRunType.Manual, date), DagRunType.Manual, date, interval)
        {
            Conf = conf ?? [],
            Params = parameters,
            Timetable = serialized.Timetable,
        };
    }

    private async Task<TaskInstanceState> AfterTryAsync(TaskLogger log, DagRunContext run, SerializedTask settings, TaskRunResult result, int tryNumber, CancellationToken cancellationToken)
    {
        if (result.State != TaskInstanceState.Failed || !result.RetryAllowed || !RetryPolicy.CanRetry(settings, tryNumber))
        {
            return result.State;
        }

        var delay = RetryPolicy.NextRetryDelay(settings, run.DagId, run.LogicalDate, tryNumber, options.Defaults.MaxTaskRetryDelay);
        var seconds = delay.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);
        log.Info($"Marking task {settings.TaskId} as UP_FOR_RETRY (try {tryNumber} of {settings.Retries + 1})");
        if (options.HonorRetryDelay)
        {
            log.Info($"Waiting {seconds} s before the next try");
            await Task.Delay(delay, options.TimeProvider, cancellationToken);
        }
        else
        {
            log.Info($"Retrying at once; a real run would wait {seconds} s");
        }

        return TaskInstanceState.None;
    }
}
