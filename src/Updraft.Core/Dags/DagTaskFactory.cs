using System.Runtime.CompilerServices;
using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// The ways to add tasks to a DAG. Callable tasks come in TaskFlow style: a task that returns a value can be
/// passed to later tasks, which receive it as a typed argument (stored in between as JSON XCom).
/// </summary>
public static class DagTaskFactory
{
    public static EmptyOperator Empty(this Dag dag, string taskId, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, file, line);

    public static BashOperator Bash(this Dag dag, string taskId, string command, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, command, file, line);

    public static CallableTask Task(this Dag dag, string taskId, Action<TaskContext> action, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, [], (ctx, _) =>
        {
            action(ctx);
            return Done;
        }, file, line);

    public static CallableTask Task(this Dag dag, string taskId, Func<TaskContext, Task> action, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, [], async (ctx, _) =>
        {
            await action(ctx);
            return null;
        }, file, line);

    public static CallableTask<T> Task<T>(this Dag dag, string taskId, Func<TaskContext, T> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, [], (ctx, _) => Result(function(ctx)), file, line);

    public static CallableTask<T> Task<T>(this Dag dag, string taskId, Func<TaskContext, Task<T>> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, [], async (ctx, _) => await function(ctx), file, line);

    public static CallableTask<TOut> Task<TIn, TOut>(this Dag dag, string taskId, ITaskResult<TIn> input, Func<TIn, TOut> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, Inputs<TIn>(input), (_, a) => Result(function((TIn)a[0]!)), file, line);

    public static CallableTask<TOut> Task<TIn, TOut>(this Dag dag, string taskId, ITaskResult<TIn> input, Func<TIn, Task<TOut>> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, Inputs<TIn>(input), async (_, a) => await function((TIn)a[0]!), file, line);

    public static CallableTask<TOut> Task<TIn, TOut>(this Dag dag, string taskId, ITaskResult<TIn> input, Func<TaskContext, TIn, TOut> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, Inputs<TIn>(input), (ctx, a) => Result(function(ctx, (TIn)a[0]!)), file, line);

    public static CallableTask<TOut> Task<TIn, TOut>(this Dag dag, string taskId, ITaskResult<TIn> input, Func<TaskContext, TIn, Task<TOut>> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, Inputs<TIn>(input), async (ctx, a) => await function(ctx, (TIn)a[0]!), file, line);

    public static CallableTask Task<TIn>(this Dag dag, string taskId, ITaskResult<TIn> input, Action<TIn> action, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, Inputs<TIn>(input), (_, a) =>
        {
            action((TIn)a[0]!);
            return Done;
        }, file, line);

    public static CallableTask Task<TIn>(this Dag dag, string taskId, ITaskResult<TIn> input, Action<TaskContext, TIn> action, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, Inputs<TIn>(input), (ctx, a) =>
        {
            action(ctx, (TIn)a[0]!);
            return Done;
        }, file, line);

    public static CallableTask Task<TIn>(this Dag dag, string taskId, ITaskResult<TIn> input, Func<TaskContext, TIn, Task> action, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, Inputs<TIn>(input), async (ctx, a) =>
        {
            await action(ctx, (TIn)a[0]!);
            return null;
        }, file, line);

    public static CallableTask<TOut> Task<T1, T2, TOut>(this Dag dag, string taskId, ITaskResult<T1> first, ITaskResult<T2> second, Func<T1, T2, TOut> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, Inputs<T1, T2>(first, second), (_, a) => Result(function((T1)a[0]!, (T2)a[1]!)), file, line);

    public static CallableTask<TOut> Task<T1, T2, TOut>(this Dag dag, string taskId, ITaskResult<T1> first, ITaskResult<T2> second, Func<TaskContext, T1, T2, TOut> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, Inputs<T1, T2>(first, second), (ctx, a) => Result(function(ctx, (T1)a[0]!, (T2)a[1]!)), file, line);

    public static CallableTask<TOut> Task<T1, T2, TOut>(this Dag dag, string taskId, ITaskResult<T1> first, ITaskResult<T2> second, Func<TaskContext, T1, T2, Task<TOut>> function, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, Inputs<T1, T2>(first, second), async (ctx, a) => await function(ctx, (T1)a[0]!, (T2)a[1]!), file, line);

    private static Task<object?> Done { get; } = System.Threading.Tasks.Task.FromResult<object?>(null);

    private static Task<object?> Result<T>(T value) => System.Threading.Tasks.Task.FromResult<object?>(value);

    private static TaskInput[] Inputs<T>(ITaskResult<T> input) => [TaskInput.From(input)];

    private static TaskInput[] Inputs<T1, T2>(ITaskResult<T1> first, ITaskResult<T2> second) => [TaskInput.From(first), TaskInput.From(second)];
}
