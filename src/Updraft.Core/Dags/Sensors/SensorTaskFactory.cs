using System.Runtime.CompilerServices;
using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>Sensors: <c>dag.Sensor(…)</c> for a C# check, <c>dag.FileSensor</c>, <c>dag.TimeDeltaSensor</c>, <c>dag.DateTimeSensor</c>.</summary>
public static class SensorTaskFactory
{
    /// <summary>A sensor whose poke is <paramref name="poke"/>: true when done.</summary>
    public static FunctionSensor<object?> Sensor(this Dag dag, string taskId, Func<TaskContext, bool> poke, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(poke);
        return new(dag, taskId, ctx => Task.FromResult(new PokeResult<object?>(poke(ctx))), file, line);
    }

    /// <summary>A sensor whose poke is <paramref name="poke"/>: true when done.</summary>
    public static FunctionSensor<object?> Sensor(this Dag dag, string taskId, Func<TaskContext, Task<bool>> poke, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(poke);
        return new(dag, taskId, async ctx => new PokeResult<object?>(await poke(ctx)), file, line);
    }

    /// <summary>A sensor whose poke is <paramref name="poke"/>: done with a value (the task's result, typed) or not yet.</summary>
    public static FunctionSensor<T> Sensor<T>(this Dag dag, string taskId, Func<TaskContext, PokeResult<T>> poke, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(poke);
        return new(dag, taskId, ctx => Task.FromResult(poke(ctx)), file, line);
    }

    /// <summary>A sensor whose poke is <paramref name="poke"/>: done with a value (the task's result, typed) or not yet.</summary>
    public static FunctionSensor<T> Sensor<T>(this Dag dag, string taskId, Func<TaskContext, Task<PokeResult<T>>> poke, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, poke ?? throw new ArgumentNullException(nameof(poke)), file, line);

    /// <summary>Waits for a file (a template, maybe a glob); see <see cref="Dags.FileSensor"/>.</summary>
    public static FileSensor FileSensor(this Dag dag, string taskId, string filepath, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, filepath, file, line);

    /// <summary>Waits until <paramref name="delta"/> after the run's data interval ends; see <see cref="Dags.TimeDeltaSensor"/>.</summary>
    public static TimeDeltaSensor TimeDeltaSensor(this Dag dag, string taskId, TimeSpan delta, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, delta, file, line);

    /// <summary>Waits until <paramref name="targetTime"/> (a template giving an ISO 8601 time); see <see cref="Dags.DateTimeSensor"/>.</summary>
    public static DateTimeSensor DateTimeSensor(this Dag dag, string taskId, string targetTime, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, targetTime, file, line);
}
