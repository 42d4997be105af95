using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>A branch whose choice is a C# function (Airflow's <c>@task.branch</c>); created with <c>dag.Branch(…)</c>.</summary>
public sealed class BranchTask : BranchOperator
{
    private readonly Func<TaskContext, Task<IEnumerable<string>?>> _choose;

    internal BranchTask(Dag dag, string taskId, Func<TaskContext, Task<IEnumerable<string>?>> choose, string file, int line)
        : base(dag, taskId, file, line) => _choose = choose;

    public override string OperatorName => "BranchCallableOperator";

    protected override Task<IEnumerable<string>?> ChooseBranchAsync(TaskContext context) => _choose(context);
}
