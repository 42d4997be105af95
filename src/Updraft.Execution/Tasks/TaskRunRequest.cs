using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.Serialization;

namespace Updraft.Execution.Tasks;

/// <summary>One try of one task instance: the task, its resolved settings, its run, and the stores it uses.</summary>
public sealed record TaskRunRequest(
    Operator Task,
    SerializedTask Settings,
    DagRunContext Run,
    int TryNumber,
    IXComStore XCom,
    IVariableStore Variables,
    IConnectionStore Connections,
    ITaskLogSink Log)
{
    /// <summary>Which instance of a mapped task the try runs (-1 for a task that is not mapped).</summary>
    public int MapIndex { get; init; } = -1;

    /// <summary>The masker the try's log lines go through; share it to mask other output of the same try (its console).</summary>
    public SecretMasker Masker { get; init; } = new();

    /// <summary>
    /// Marks the tasks a succeeding try asked to skip (a branch's unchosen paths) before the try is reported; a failure
    /// here fails the try. Null when the try may not skip anything (one task run alone).
    /// </summary>
    public Func<IReadOnlyCollection<string>, CancellationToken, Task>? SkipDownstream { get; init; }

    /// <summary>
    /// Keeps the try's rendered template fields (secrets masked) where the REST API and the UI show them, once they are
    /// rendered and before the task executes (Airflow's RTIF); a failure here is logged and does not fail the try.
    /// Null where nothing keeps them (<c>dags test</c>).
    /// </summary>
    public Func<IReadOnlyDictionary<string, string>, CancellationToken, Task>? RecordRenderedFields { get; init; }

    /// <summary>Where tasks marked <see cref="Operator.Isolated"/> run; null runs them in this process.</summary>
    public ITaskIsolation? Isolation { get; init; }

    /// <summary>For a try a sensor rescheduled before: when its first poke started; see <see cref="TaskContext.FirstPokeAt"/>.</summary>
    public DateTimeOffset? FirstPokeAt { get; init; }

    /// <summary>How many times the try was rescheduled before.</summary>
    public int Reschedules { get; init; }

    /// <summary>For a try resuming after it deferred itself: the method, the trigger's event and the values handed on.</summary>
    public TaskResume? Resume { get; init; }

    /// <summary>
    /// Whether a task may defer itself here: true where something runs its trigger (the triggerer for worker tries,
    /// the in-process one of <c>dags test</c>); elsewhere a deferral fails the try saying so.
    /// </summary>
    public bool CanDefer { get; init; }

    /// <summary>Where human-in-the-loop tasks put their questions; null where nobody could answer.</summary>
    public IHumanInput? HumanInput { get; init; }

    /// <summary>Other DAGs' runs, for cross-DAG tasks; null where there is no orchestrator to ask.</summary>
    public IDagRunClient? DagRuns { get; init; }
}

/// <summary>Where a deferred task resumes: its method, the event its trigger fired with, and the values it handed on.</summary>
public sealed record TaskResume(string Method, Core.Triggers.TriggerEvent Event, System.Text.Json.Nodes.JsonObject? Kwargs);
