using Updraft.Core.Runtime;
using Updraft.Core.TriggerRules;

namespace Updraft.Core.Dags;

/// <summary>
/// A task in a DAG (Airflow's BaseOperator). Subclass it for a custom operator: override
/// <see cref="ExecuteAsync"/> and, for templated settings, <see cref="GetTemplateFields"/>. Operators are
/// shared by all runs of a DAG, so <see cref="ExecuteAsync"/> must not change the operator's own state.
/// </summary>
public abstract class Operator
{
    private readonly List<string> _upstream = [];
    private readonly List<string> _downstream = [];

    protected Operator(Dag dag, string taskId, string? file = null, int line = 0)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(taskId);
        Ids.Validate(taskId, "task id", file ?? dag.Fileloc, line);
        Dag = dag;
        Group = dag.CurrentGroup;
        TaskId = Group?.ChildId(taskId) ?? taskId;
        Ids.Validate(TaskId, "task id", file ?? dag.Fileloc, line);
        DefinedAtLine = line;
        dag.Register(this);
        Group?.Add(this);
    }

    public Dag Dag { get; }

    /// <summary>The task group the task was created in, or null at the DAG's top level.</summary>
    public TaskGroup? Group { get; }

    public string TaskId { get; }

    /// <summary>
    /// Whether the task is expanded at run time into one instance per element of its input (dynamic task mapping): a
    /// mapped task, or any task of a mapped task group.
    /// </summary>
    public virtual bool IsMapped => MappedGroup is not null;

    /// <summary>The mapped task group the task is in (directly or in a group inside it), or null.</summary>
    public TaskGroup? MappedGroup => Group?.MappedAncestorOrSelf;

    /// <summary>The operator's type name as listings show it, such as <c>BashOperator</c>.</summary>
    public virtual string OperatorName => GetType().Name;

    public string? Owner { get; set; }

    public int? Retries { get; set; }

    /// <summary>
    /// The assets this task updates (Airflow's <c>outlets</c>): each success records an event for each, which starts
    /// the DAGs scheduled on them. Extra data for an event: <c>ctx.OutletEvents[asset]["key"] = value</c>. An
    /// <see cref="Assets.AssetAlias"/> among them takes the assets the task adds to it while it runs:
    /// <c>ctx.OutletEvents[alias].Add(new Asset("s3://…"), extra)</c>.
    /// </summary>
    public List<Assets.IOutlet> Outlets { get; set; } = [];

    public TimeSpan? RetryDelay { get; set; }

    public bool? RetryExponentialBackoff { get; set; }

    public TimeSpan? MaxRetryDelay { get; set; }

    public TimeSpan? ExecutionTimeout { get; set; }

    public TriggerRule? TriggerRule { get; set; }

    public string? Pool { get; set; }

    public int PoolSlots { get; set; } = 1;

    public int? PriorityWeight { get; set; }

    public WeightRule? WeightRule { get; set; }

    public string? Queue { get; set; }

    /// <summary>The executor to run this task on, when several are configured; null for the default.</summary>
    public string? Executor { get; set; }

    /// <summary>At most this many instances of this task run at once across all runs of the DAG.</summary>
    public int? MaxActiveTisPerDag { get; set; }

    /// <summary>
    /// Run this task in a fresh process of its own, not in the worker (Airflow's <c>@task.external_python</c> idea): for
    /// code that must not share a process with other tasks (native libraries, global state, memory it never gives
    /// back). The fresh process loads the same DAG code; the task's XCom, variables, connections and log go through
    /// the worker. Its result must be JSON-serializable.
    /// </summary>
    public bool Isolated { get; set; }

    /// <summary>Whether a non-null return value is stored as the <c>return_value</c> XCom.</summary>
    public bool DoXComPush { get; set; } = true;

    public string? DocMd { get; set; }

    public bool IsSetup { get; private set; }

    public bool IsTeardown { get; private set; }

    /// <summary>For a teardown: whether its failure fails the DAG run.</summary>
    public bool OnFailureFailDagRun { get; set; }

    public int DefinedAtLine { get; }

    /// <summary>Run just before the task executes, on every try (Airflow's <c>on_execute_callback</c>).</summary>
    public CallbackList OnExecute { get; set; } = [];

    /// <summary>Run after a try succeeds and its state is recorded (<c>on_success_callback</c>).</summary>
    public CallbackList OnSuccess { get; set; } = [];

    /// <summary>Run after a try fails with no retry left (<c>on_failure_callback</c>).</summary>
    public CallbackList OnFailure { get; set; } = [];

    /// <summary>Run after a try fails and the task is up for retry (<c>on_retry_callback</c>).</summary>
    public CallbackList OnRetry { get; set; } = [];

    /// <summary>Run after the task skips itself (<c>on_skipped_callback</c>; not for tasks skipped by others).</summary>
    public CallbackList OnSkipped { get; set; } = [];

    /// <summary>
    /// The callbacks this task runs for <paramref name="event"/>: its own, or else those in its group's or DAG's
    /// <c>DefaultArgs</c> (as Airflow's <c>default_args</c> give callbacks to every task).
    /// </summary>
    public CallbackList CallbacksFor(TaskCallbackEvent @event)
    {
        var own = Callbacks(@event, OnExecute, OnSuccess, OnFailure, OnRetry, OnSkipped);
        if (own.Count > 0)
        {
            return own;
        }

        var defaults = Group?.EffectiveDefaults() ?? Dag.DefaultArgs;
        return Callbacks(@event, defaults.OnExecute, defaults.OnSuccess, defaults.OnFailure, defaults.OnRetry, defaults.OnSkipped);
    }

    private static CallbackList Callbacks(TaskCallbackEvent @event, CallbackList execute, CallbackList success, CallbackList failure, CallbackList retry, CallbackList skipped) => @event switch
    {
        TaskCallbackEvent.OnExecute => execute,
        TaskCallbackEvent.OnSuccess => success,
        TaskCallbackEvent.OnFailure => failure,
        TaskCallbackEvent.OnRetry => retry,
        _ => skipped,
    };

    public IReadOnlyList<string> UpstreamTaskIds => _upstream;

    public IReadOnlyList<string> DownstreamTaskIds => _downstream;

    /// <summary>Runs the task and returns its result (stored as the <c>return_value</c> XCom when not null).</summary>
    public abstract Task<object?> ExecuteAsync(TaskContext context);

    /// <summary>
    /// Resumes the task after it deferred itself (<see cref="TaskContext.Defer"/>): <see cref="TaskContext.ExecuteMethod"/>
    /// runs <see cref="ExecuteAsync"/> again (the context's <see cref="TaskContext.TriggerEvent"/> set); another name
    /// calls the operator's method of that name taking <c>(TaskContext, TriggerEvent)</c> and returning
    /// <c>Task&lt;object?&gt;</c>, <c>Task</c> or a value.
    /// </summary>
    public virtual async Task<object?> ResumeAsync(TaskContext context, string method)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(method);
        if (method == TaskContext.ExecuteMethod)
        {
            return await ExecuteAsync(context);
        }

        var target = GetType().GetMethod(
            method,
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic,
            [typeof(TaskContext), typeof(Triggers.TriggerEvent)])
            ?? throw new TaskFailedException($"Cannot resume task '{TaskId}': {GetType().Name} has no method {method}(TaskContext, TriggerEvent).");
        object? returned;
        try
        {
            returned = target.Invoke(this, [context, context.TriggerEvent ?? new Triggers.TriggerEvent()]);
        }
        catch (System.Reflection.TargetInvocationException e) when (e.InnerException is not null)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }

        // A ValueTask is awaited as the Task it wraps.
        if (returned is ValueTask valueTask)
        {
            returned = valueTask.AsTask();
        }
        else if (returned is not null && returned.GetType() is { IsGenericType: true } type && type.GetGenericTypeDefinition() == typeof(ValueTask<>))
        {
            returned = type.GetMethod(nameof(ValueTask<object>.AsTask))!.Invoke(returned, null);
        }

        switch (returned)
        {
            case Task<object?> withValue:
                return await withValue;
            case Task task:
                await task;
                var result = task.GetType().GetProperty("Result");
                return result is null || result.PropertyType.Name == "VoidTaskResult" ? null : result.GetValue(task);
            default:
                return returned;
        }
    }

    /// <summary>The templated settings of this operator, by Airflow field name (<c>bash_command</c>, <c>env.NAME</c>, …).</summary>
    public virtual IEnumerable<KeyValuePair<string, string>> GetTemplateFields() => [];

    /// <summary>Makes this a setup task (for setup/teardown pairs).</summary>
    public Operator AsSetup()
    {
        IsSetup = true;
        return this;
    }

    /// <summary>Makes this a teardown of <paramref name="setups"/>: it runs after them and their work, even on failure.</summary>
    public Operator AsTeardown(params Operator[] setups)
    {
        ArgumentNullException.ThrowIfNull(setups);
        IsTeardown = true;
        TriggerRule ??= TriggerRules.TriggerRule.AllDoneSetupSuccess;
        foreach (var setup in setups)
        {
            setup.AsSetup();
            setup.SetDownstream(this);
        }

        return this;
    }

    public Operator SetDownstream(Operator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (!ReferenceEquals(other.Dag, Dag))
        {
            throw new DagDefinitionException(
                $"Tried to set relationships between tasks in more than one DAG: '{TaskId}' in '{Dag.DagId}' and '{other.TaskId}' in '{other.Dag.DagId}'.",
                Dag.Fileloc,
                other.DefinedAtLine);
        }

        if (!_downstream.Contains(other.TaskId))
        {
            _downstream.Add(other.TaskId);
            other._upstream.Add(TaskId);
        }

        return other;
    }

    public Operator SetUpstream(Operator other)
    {
        ArgumentNullException.ThrowIfNull(other);
        other.SetDownstream(this);
        return other;
    }

    /// <summary>Runs <paramref name="downstream"/> after this task and returns it, to chain on: <c>a.Then(b).Then(c);</c>.</summary>
    public T Then<T>(T downstream)
        where T : Operator
    {
        SetDownstream(downstream);
        return downstream;
    }

    /// <summary>Runs every task of <paramref name="downstream"/> after this one and returns them: <c>a.Then([b, c]).Then(d);</c>.</summary>
    public TaskSet Then(TaskSet downstream) => new TaskSet { this }.Then(downstream);

    /// <summary>Runs the group's roots after this task and returns the group.</summary>
    public TaskGroup Then(TaskGroup downstream) => new TaskSet { this }.Then(downstream);

    public static TaskGroup operator >>(Operator upstream, TaskGroup downstream) => (upstream ?? throw new ArgumentNullException(nameof(upstream))).Then(downstream);

    public static Operator operator >>(Operator upstream, Operator downstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        return upstream.SetDownstream(downstream);
    }

    public static Operator operator <<(Operator downstream, Operator upstream)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        return downstream.SetUpstream(upstream);
    }

    public static TaskSet operator >>(Operator upstream, TaskSet downstream)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        foreach (var task in downstream)
        {
            upstream.SetDownstream(task);
        }

        return downstream;
    }

    public static TaskSet operator <<(Operator downstream, TaskSet upstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        foreach (var task in upstream)
        {
            downstream.SetUpstream(task);
        }

        return upstream;
    }

    public static TaskSet operator >>(Operator upstream, Operator[] downstream) => upstream >> new TaskSet(downstream);

    public static TaskSet operator <<(Operator downstream, Operator[] upstream) => downstream << new TaskSet(upstream);

    public override string ToString() => $"<Task({OperatorName}): {TaskId}>";

    internal static class Ids
    {
        public static void Validate(string id, string what, string? file, int line)
        {
            if (id.Length is 0 or > 250 || !id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-'))
            {
                throw new DagDefinitionException(
                    $"The {what} '{id}' must be 1 to 250 characters made of letters, digits, dashes, dots and underscores only.",
                    file,
                    line);
            }
        }
    }
}
