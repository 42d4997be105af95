using System.Globalization;
using System.Text.Json.Nodes;
using Updraft.Core.Dags;
using Updraft.Core.Templates;

namespace Updraft.Core.Runtime;

/// <summary>Everything a running task may use: dates, run id, params, conf, XCom, variables, connections, its log.</summary>
public sealed class TaskContext
{
    private readonly List<string> _skip = [];
    private XComAccessor? _xcom;

    public required DagRunContext DagRun { get; init; }

    public required Operator Task { get; init; }

    /// <summary>Which instance of a mapped task this is (0, 1, …); -1 for a task that is not mapped.</summary>
    public int MapIndex { get; init; } = -1;

    /// <summary>1 on the first try, 2 on the first retry, and so on.</summary>
    public required int TryNumber { get; init; }

    public required TaskLogger Log { get; init; }

    public required IXComStore XComStore { get; init; }

    public required IVariableStore Variables { get; init; }

    public required IConnectionStore Connections { get; init; }

    /// <summary>Signalled when the task should stop: its execution timeout passed or it was asked to end.</summary>
    public CancellationToken CancellationToken { get; init; }

    /// <summary>Other DAGs' runs (trigger one, read states), or null where there is no orchestrator to ask.</summary>
    public IDagRunClient? DagRuns { get; init; }

    /// <summary>The clock the task should read for "now" (a fake one in tests).</summary>
    public TimeProvider Clock { get; init; } = TimeProvider.System;

    /// <summary>Tasks this one asked to skip (<see cref="SkipDownstream"/>), marked skipped when it succeeds.</summary>
    public IReadOnlyCollection<string> DownstreamToSkip => _skip;

    /// <summary>The operator's template fields, rendered for this run.</summary>
    public IReadOnlyDictionary<string, string> Rendered { get; init; } = new Dictionary<string, string>();

    public string DagId => DagRun.DagId;

    public string TaskId => Task.TaskId;

    public string RunId => DagRun.RunId;

    /// <summary>
    /// For a try a sensor in reschedule mode gave back before: when its first poke started (its timeout counts from
    /// there) and how many times it was rescheduled. Null and 0 for a try's first run.
    /// </summary>
    public DateTimeOffset? FirstPokeAt { get; init; }

    /// <inheritdoc cref="FirstPokeAt"/>
    public int Reschedules { get; init; }

    /// <summary>Where a human-in-the-loop task puts its question; null where nobody could answer.</summary>
    public IHumanInput? HumanInput { get; init; }

    /// <summary>Extra data for the events of the task's outlets, recorded when the task succeeds.</summary>
    public Assets.OutletEvents OutletEvents { get; init; } = new();

    /// <summary>The method name meaning "run the task's <c>ExecuteAsync</c> again" on resume (Airflow's <c>execute</c>).</summary>
    public const string ExecuteMethod = "execute";

    /// <summary>For a task resumed after deferring: the event its trigger fired with; null on a first run.</summary>
    public Triggers.TriggerEvent? TriggerEvent { get; init; }

    /// <summary>For a task resumed after deferring: the values it handed to <see cref="Defer"/>.</summary>
    public System.Text.Json.Nodes.JsonObject? NextKwargs { get; init; }

    /// <summary>
    /// Defers the task on <paramref name="trigger"/> (Airflow's <c>self.defer</c>): the try stops here, its slot is
    /// freed, and when the trigger fires the task resumes in <paramref name="method"/> — a method of the operator taking
    /// <c>(TaskContext, TriggerEvent)</c>, or <see cref="ExecuteMethod"/> to run <c>ExecuteAsync</c> again with
    /// <see cref="TriggerEvent"/> set — with <paramref name="kwargs"/> as <see cref="NextKwargs"/>. Past
    /// <paramref name="timeout"/> the task fails. A trigger whose arguments cannot be stored fails the task here.
    /// </summary>
    [System.Diagnostics.CodeAnalysis.DoesNotReturn]
    public void Defer(Triggers.Trigger trigger, string method = ExecuteMethod, TimeSpan? timeout = null, System.Text.Json.Nodes.JsonObject? kwargs = null)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        ArgumentException.ThrowIfNullOrEmpty(method);
        System.Text.Json.Nodes.JsonObject stored;
        try
        {
            stored = trigger.Serialize();
        }
        catch (Triggers.TriggerSerializationException e)
        {
            throw new Dags.TaskFailedException(e.Message);
        }

        Log.Info($"Deferring on {trigger.GetType().Name}; the task resumes in {method}{(timeout is { } t ? $" (times out after {t.TotalSeconds:0.###} s)" : "")}.");
        throw new Triggers.TaskDeferredException(trigger, stored, method, kwargs, timeout);
    }

    /// <summary>Retries plus one: the last try number this task instance may reach.</summary>
    public int MaxTries { get; init; } = 1;

    public DateTimeOffset LogicalDate => DagRun.LogicalDate;

    public DateTimeOffset DataIntervalStart => DagRun.DataInterval.Start;

    public DateTimeOffset DataIntervalEnd => DagRun.DataInterval.End;

    /// <summary>The logical date as <c>YYYY-MM-DD</c>.</summary>
    public string Ds => Iso.Date(LogicalDate);

    public string DsNodash => Iso.DateNoDash(LogicalDate);

    /// <summary>The logical date in ISO 8601, such as <c>2025-01-01T00:00:00+00:00</c>.</summary>
    public string Ts => Iso.Format(LogicalDate);

    public string TsNodash => Iso.TimestampNoDash(LogicalDate);

    public ResolvedParams Params => DagRun.Params;

    /// <summary>For an asset-triggered run: the asset events that started it, oldest first; empty otherwise.</summary>
    public IReadOnlyList<Assets.TriggeringAssetEvent> TriggeringAssetEvents => DagRun.TriggeringAssetEvents;

    public JsonObject Conf => DagRun.Conf;

    public XComAccessor XCom => _xcom ??= new XComAccessor(XComStore, DagRun, Task, MapIndex, CancellationToken);

    /// <summary>Renders a template against this context (<c>{{ ds }}</c>, <c>{{ params.x }}</c>, …).</summary>
    public Task<string> RenderAsync(string template, string fieldName = "template") =>
        TemplateRenderer.RenderAsync(template, TemplateScope.For(this), fieldName, CancellationToken);

    /// <summary>
    /// Asks for tasks downstream of this one to be skipped when it succeeds (Airflow's <c>SkipMixin.skip</c>): what a
    /// branch or short-circuit does. Tasks that have started meanwhile are left alone.
    /// </summary>
    public void SkipDownstream(IEnumerable<string> taskIds)
    {
        ArgumentNullException.ThrowIfNull(taskIds);
        var downstream = Task.Dag.DownstreamOf(TaskId);
        foreach (var id in taskIds)
        {
            if (!downstream.Contains(id))
            {
                throw new InvalidOperationException($"Task '{id}' is not downstream of '{TaskId}'; a task may skip only its downstream tasks.");
            }

            if (!_skip.Contains(id))
            {
                _skip.Add(id);
            }
        }
    }

    /// <summary>The <c>UPDRAFT_CTX_*</c> variables given to subprocesses so they know which task they run for.</summary>
    public IEnumerable<KeyValuePair<string, string>> ContextEnvironment()
    {
        yield return new("UPDRAFT_CTX_DAG_ID", DagId);
        yield return new("UPDRAFT_CTX_TASK_ID", TaskId);
        yield return new("UPDRAFT_CTX_LOGICAL_DATE", Ts);
        yield return new("UPDRAFT_CTX_TRY_NUMBER", TryNumber.ToString(CultureInfo.InvariantCulture));
        yield return new("UPDRAFT_CTX_DAG_RUN_ID", RunId);
        if (Task.Owner is { } owner)
        {
            yield return new("UPDRAFT_CTX_DAG_OWNER", owner);
        }
    }
}
