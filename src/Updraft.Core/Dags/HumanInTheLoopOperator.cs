using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// Asks a person and waits for the answer without holding a worker (Airflow 3's HITL operators): the question
/// (<see cref="Subject"/>, <see cref="Body"/>, <see cref="Options"/>, values to enter in <see cref="Params"/>) is
/// recorded, the task defers until someone answers through the REST API (<c>PATCH /api/v2/hitlDetails/…</c>), and
/// its result is the answer: <c>{"chosen_options": […], "params_input": {…}, "responded_by": …, "responded_at": …}</c>.
/// Past <see cref="ResponseTimeout"/> the <see cref="Defaults"/> are taken (recorded as answered by nobody), or, with
/// none, the task fails. An approval's "Reject" skips everything downstream.
/// </summary>
public class HumanInTheLoopOperator : Operator, ITaskResult<JsonObject>
{
    internal HumanInTheLoopOperator(Dag dag, string taskId, string subject, IReadOnlyList<string> options, string file, int line)
        : base(dag, taskId, file, line)
    {
        ArgumentException.ThrowIfNullOrEmpty(subject);
        ArgumentNullException.ThrowIfNull(options);
        Subject = subject;
        Options = options;
    }

    public override string OperatorName => "HITLOperator";

    public Operator Producer => this;

    /// <summary>The question's title (a template).</summary>
    public string Subject { get; }

    /// <summary>The question's text (a template, Markdown).</summary>
    public string? Body { get; set; }

    public IReadOnlyList<string> Options { get; }

    /// <summary>Whether several options may be chosen.</summary>
    public bool Multiple { get; set; }

    /// <summary>What is taken when nobody answers in time; none fails the task then.</summary>
    public IReadOnlyList<string>? Defaults { get; set; }

    /// <summary>Values the person may enter, with their defaults.</summary>
    public JsonObject Params { get; set; } = [];

    /// <summary>How long to wait for an answer; null waits until someone answers.</summary>
    public TimeSpan? ResponseTimeout { get; set; }

    /// <summary>How often the triggerer looks for the answer.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    public override IEnumerable<KeyValuePair<string, string>> GetTemplateFields()
    {
        yield return new("subject", Subject);
        if (Body is not null)
        {
            yield return new("body", Body);
        }
    }

    public override Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.TriggerEvent is { Payload: { } payload })
        {
            var answer = HumanResponse.FromJson(payload);
            context.Log.Info($"{(answer.RespondedBy is { } who ? $"{who} answered" : "Nobody answered in time; the defaults were taken")}: {string.Join(", ", answer.ChosenOptions)}");
            return Task.FromResult<object?>(OnAnswer(context, answer));
        }

        return AskAsync(context);
    }

    /// <summary>What the task does with the answer; its result is the task's XCom. By default, the answer itself.</summary>
    protected virtual object? OnAnswer(TaskContext context, HumanResponse answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        return answer.ToJson();
    }

    private async Task<object?> AskAsync(TaskContext context)
    {
        Validate();
        var input = context.HumanInput ?? throw new TaskFailedException(
            $"Task '{TaskId}' asks a person, and nobody can answer here (in dag.Test() give DagTestOptions.HumanAnswers, or set defaults and a response timeout).");
        var timeoutAt = ResponseTimeout is { } timeout ? context.Clock.GetUtcNow() + timeout : (DateTimeOffset?)null;
        var subject = context.Rendered.GetValueOrDefault("subject") ?? Subject;
        await input.RequestAsync(
            new HumanRequest(subject, Options)
            {
                Body = Body is null ? null : context.Rendered.GetValueOrDefault("body") ?? Body,
                Defaults = Defaults,
                Multiple = Multiple,
                Params = (JsonObject)Params.DeepClone(),
                TimeoutAt = timeoutAt,
            },
            context.CancellationToken);
        context.Log.Info($"Waiting for an answer to '{subject}' ({string.Join(" / ", Options)}){(timeoutAt is { } at ? $" until {Iso.Format(at)}" : "")}.");
        context.Defer(new Triggers.HumanResponseTrigger
        {
            DagId = context.DagId,
            RunId = context.RunId,
            TaskId = TaskId,
            MapIndex = context.MapIndex,
            TimeoutAt = timeoutAt,
            Defaults = Defaults,
            Params = (JsonObject)Params.DeepClone(),
            PollInterval = PollInterval,
        });
        return null;
    }

    private void Validate()
    {
        if (Options.Count == 0 || Options.Any(string.IsNullOrWhiteSpace) || Options.Distinct(StringComparer.Ordinal).Count() != Options.Count)
        {
            throw new TaskFailedException($"Task '{TaskId}': the options must be distinct and not empty.");
        }

        if (Defaults is { } defaults && (defaults.Any(d => !Options.Contains(d)) || (!Multiple && defaults.Count > 1)))
        {
            throw new TaskFailedException($"Task '{TaskId}': the defaults must be {(Multiple ? "" : "one of ")}the options ({string.Join(", ", Options)}).");
        }
    }
}

/// <summary>Asks for an approval (Airflow's <c>ApprovalOperator</c>): "Approve" goes on, "Reject" skips everything downstream.</summary>
public sealed class ApprovalOperator : HumanInTheLoopOperator
{
    public const string Approve = "Approve";
    public const string Reject = "Reject";

    internal ApprovalOperator(Dag dag, string taskId, string subject, string file, int line)
        : base(dag, taskId, subject, [Approve, Reject], file, line)
    {
    }

    public override string OperatorName => "ApprovalOperator";

    protected override object? OnAnswer(TaskContext context, HumanResponse answer)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(answer);
        if (answer.ChosenOptions.Contains(Reject))
        {
            context.Log.Info("Rejected: skipping everything downstream.");
            context.SkipDownstream(Dag.DownstreamOf(TaskId).Where(id => !Dag.GetTask(id).IsTeardown));
        }

        return answer.ToJson();
    }
}

/// <summary><c>dag.Approval</c>, <c>dag.HumanChoice</c> and <c>dag.HumanEntry</c>: tasks that ask a person.</summary>
public static class HumanTaskFactory
{
    /// <summary>Asks for an approval: Approve goes on, Reject skips downstream.</summary>
    public static ApprovalOperator Approval(this Dag dag, string taskId, string subject, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, subject, file, line);

    /// <summary>Asks a person to choose among <paramref name="options"/> (several with <c>Multiple</c>).</summary>
    public static HumanInTheLoopOperator HumanChoice(this Dag dag, string taskId, string subject, IReadOnlyList<string> options, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, subject, options, file, line);

    /// <summary>Asks a person to enter values (<paramref name="fields"/>, with their defaults) and confirm (Airflow's <c>HITLEntryOperator</c>).</summary>
    public static HumanInTheLoopOperator HumanEntry(this Dag dag, string taskId, string subject, JsonObject fields, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, subject, ["OK"], file, line) { Params = fields ?? throw new ArgumentNullException(nameof(fields)), Defaults = ["OK"] };
}
