using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>A callable task whose result, of type <typeparamref name="T"/>, downstream tasks receive as a typed argument.</summary>
public sealed class CallableTask<T> : CallableTask, ITaskResult<T>
{
    internal CallableTask(Dag dag, string taskId, IReadOnlyList<TaskInput> inputs, Func<TaskContext, object?[], Task<object?>> invoke, string file, int line)
        : base(dag, taskId, inputs, invoke, file, line)
    {
    }

    public override Type? ResultType => typeof(T);

    public Operator Producer => this;
}
