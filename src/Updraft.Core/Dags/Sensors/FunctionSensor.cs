using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>A sensor written as a C# function (Airflow's <c>@task.sensor</c>): the function is the poke; its value, when done, is the result.</summary>
public sealed class FunctionSensor<T> : SensorOperator, ITaskResult<T>
{
    private readonly Func<TaskContext, Task<PokeResult<T>>> _poke;

    internal FunctionSensor(Dag dag, string taskId, Func<TaskContext, Task<PokeResult<T>>> poke, string file, int line)
        : base(dag, taskId, file, line) => _poke = poke;

    public override string OperatorName => "PythonSensor";

    public Operator Producer => this;

    protected override async Task<PokeResult> PokeAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var result = await _poke(context);
        return new PokeResult(result.IsDone, result.Value);
    }
}
