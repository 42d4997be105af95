using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>Does nothing; used to group or join dependencies.</summary>
public sealed class EmptyOperator : Operator
{
    public EmptyOperator(Dag dag, string taskId, string? file = null, int line = 0)
        : base(dag, taskId, file, line)
    {
    }

    public override Task<object?> ExecuteAsync(TaskContext context) => Task.FromResult<object?>(null);
}
