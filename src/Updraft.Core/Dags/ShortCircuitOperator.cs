using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// Goes on only when its condition holds (Airflow's <c>ShortCircuitOperator</c>). When the condition is false it
/// skips every task downstream of it (<see cref="IgnoreDownstreamTriggerRules"/>, the default), or only the tasks
/// directly downstream, leaving the rest to their trigger rules. Teardown tasks are never skipped. The condition's
/// value is its XCom.
/// </summary>
public sealed class ShortCircuitOperator : Operator
{
    private readonly Func<TaskContext, Task<bool>> _condition;

    internal ShortCircuitOperator(Dag dag, string taskId, Func<TaskContext, Task<bool>> condition, string file, int line)
        : base(dag, taskId, file, line) => _condition = condition;

    /// <summary>True (default): a false condition skips everything downstream; false: only the direct downstream tasks.</summary>
    public bool IgnoreDownstreamTriggerRules { get; set; } = true;

    public override async Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var condition = await _condition(context);
        context.Log.Info($"Condition result is {condition}");
        if (condition)
        {
            context.Log.Info("Proceeding with downstream tasks...");
            return true;
        }

        var targets = IgnoreDownstreamTriggerRules ? Dag.DownstreamOf(TaskId) : (IEnumerable<string>)DownstreamTaskIds;
        context.SkipDownstream(targets.Where(id => !Dag.GetTask(id).IsTeardown));
        return false;
    }
}
