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
            input.Task.SetDownstream(this);
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
            args[i] = await context.XCom.PullAsync(Inputs[i].Task.TaskId, XComKey.ReturnValue, Inputs[i].Type);
        }

        return await _invoke(context, args);
    }
}
