using System.Runtime.CompilerServices;
using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// Dynamic task mapping: <c>dag.Map(id, over, element =&gt; …)</c> creates a task expanded at run time into one instance
/// per element of <c>over</c> — an upstream task's list result, a mapped task's collected results, a literal list, or
/// a <see cref="MapInput{T}"/> product or zip. The element's type is checked by the compiler against the list's.
/// Values every instance shares are simply captured by the function (Airflow's <c>partial</c>).
/// </summary>
public static class DagMapFactory
{
    public static MappedTask<TOut> Map<TIn, TOut>(this Dag dag, string taskId, ITaskResult<IEnumerable<TIn>> over, Func<TIn, TOut> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Map(dag, taskId, MapInput.Over(over), function, file, line);

    public static MappedTask<TOut> Map<TIn, TOut>(this Dag dag, string taskId, ITaskResult<IEnumerable<TIn>> over, Func<TaskContext, TIn, TOut> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Map(dag, taskId, MapInput.Over(over), function, file, line);

    public static MappedTask<TOut> Map<TIn, TOut>(this Dag dag, string taskId, ITaskResult<IEnumerable<TIn>> over, Func<TaskContext, TIn, Task<TOut>> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Map(dag, taskId, MapInput.Over(over), function, file, line);

    public static MappedTask<TOut> Map<TIn, TOut>(this Dag dag, string taskId, IEnumerable<TIn> over, Func<TIn, TOut> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Map(dag, taskId, MapInput.Over(over), function, file, line);

    public static MappedTask<TOut> Map<TIn, TOut>(this Dag dag, string taskId, IEnumerable<TIn> over, Func<TaskContext, TIn, TOut> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        Map(dag, taskId, MapInput.Over(over), function, file, line);

    public static MappedTask<TOut> Map<TIn, TOut>(this Dag dag, string taskId, MapInput<TIn> over, Func<TIn, TOut> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(function);
        return New<TIn, TOut>(dag, taskId, over, (_, x) => Task.FromResult<object?>(function(x)), file, line);
    }

    public static MappedTask<TOut> Map<TIn, TOut>(this Dag dag, string taskId, MapInput<TIn> over, Func<TaskContext, TIn, TOut> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(function);
        return New<TIn, TOut>(dag, taskId, over, (ctx, x) => Task.FromResult<object?>(function(ctx, x)), file, line);
    }

    public static MappedTask<TOut> Map<TIn, TOut>(this Dag dag, string taskId, MapInput<TIn> over, Func<TaskContext, TIn, Task<TOut>> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(function);
        return New<TIn, TOut>(dag, taskId, over, async (ctx, x) => await function(ctx, x), file, line);
    }

    private static MappedTask<TOut> New<TIn, TOut>(Dag dag, string taskId, MapInput<TIn> over, Func<TaskContext, TIn, Task<object?>> invoke, string file, int line)
    {
        ArgumentNullException.ThrowIfNull(over);
        return new MappedTask<TOut>(dag, taskId, over.Parts, over.Mode, e => over.Combine(e), (ctx, x) => invoke(ctx, (TIn)x!), file, line);
    }
}
