using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// A task that runs a C# delegate (Airflow's <c>@task</c>). Typed inputs are the return values of upstream
/// callable tasks, read back from XCom; created with <c>dag.Task(…)</c> (see <see cref="DagTaskFactory"/>).
/// </summary>
public class CallableTask : Operator
{
    private readonly Func<TaskContext, object?[], Task<object?>> _invoke;

    internal CallableTask(Dag dag, string taskId, IReadOnlyList<TaskInput> inputs, Func<TaskContext, object?[], Task<object?>> invoke, string file, int line)
        : base(dag, taskId, file, line)
    {
        Inputs = inputs;
        _invoke = invoke;
        foreach (var input in inputs)
        {
            if (input.Argument is { } argumentOf)
            {
                if (MappedGroup != argumentOf)
                {
                    throw new DagDefinitionException(
                        $"Task '{TaskId}' takes the argument of mapped task group '{argumentOf.GroupId}' but is not inside that group.", file, line);
                }

                continue;
            }

            var producer = input.Task!;
            if (input.Collected && producer.MappedGroup == MappedGroup)
            {
                throw new DagDefinitionException(
                    $"Task '{TaskId}' collects the results of '{producer.TaskId}' from inside the same mapped task group, where it receives the result of its own instance: take '{producer.TaskId}' directly.",
                    file,
                    line);
            }

            if (producer.MappedGroup is { } group && group != MappedGroup && !input.Collected)
            {
                throw new DagDefinitionException(
                    $"Task '{TaskId}' takes the result of '{producer.TaskId}', a task of mapped task group '{group.GroupId}', from outside that group: take group.Collect(task) for the results of every instance, in map-index order.",
                    file,
                    line);
            }

            producer.SetDownstream(this);
        }
    }

    public override string OperatorName => "CallableOperator";

    /// <summary>The upstream tasks whose results this task receives, in argument order.</summary>
    public IReadOnlyList<TaskInput> Inputs { get; }

    /// <summary>The type of the value this task returns, or null for none.</summary>
    public virtual Type? ResultType => null;

    public override async Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var args = new object?[Inputs.Count];
        for (var i = 0; i < args.Length; i++)
        {
            args[i] = Inputs[i].Argument is { Mapping: { } mapping }
                ? await MapElements.ElementAsync(context, TaskId, mapping.Parts, mapping.Mode, mapping.Combine, inGroup: true)
                : await context.XCom.PullAsync(Inputs[i].Task!.TaskId, XComKey.ReturnValue, Inputs[i].Type);
        }

        return await _invoke(context, args);
    }
}
