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

    /// <summary>
    /// A Bash command per element (Airflow's <c>BashOperator.partial(…).expand(bash_command=…)</c>): the function makes
    /// each instance's command, which is then rendered as a template and run as <c>dag.Bash</c> runs it; the result
    /// of each is its last line of output. <paramref name="env"/> adds to the environment of every instance.
    /// </summary>
    public static MappedTask<string> MapBash<TIn>(this Dag dag, string taskId, MapInput<TIn> over, Func<TIn, string> command, IReadOnlyDictionary<string, string>? env = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(over);
        var shared = env ?? new Dictionary<string, string>();
        return new MappedTask<string>(
            dag,
            taskId,
            over.Parts,
            over.Mode,
            e => over.Combine(e),
            async (ctx, x) =>
            {
                var rendered = await ctx.RenderAsync(command((TIn)x!), "bash_command");
                var renderedEnv = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, value) in shared)
                {
                    renderedEnv[name] = await ctx.RenderAsync(value, $"env.{name}");
                }

                return await BashOperator.RunAsync(ctx, rendered, renderedEnv, clearEnvironment: false, cwd: null, skipOnExitCode: 99);
            },
            file,
            line)
        {
            MappedOperatorName = "BashOperator",
        };
    }

    public static MappedTask<string> MapBash<TIn>(this Dag dag, string taskId, ITaskResult<IEnumerable<TIn>> over, Func<TIn, string> command, IReadOnlyDictionary<string, string>? env = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        MapBash(dag, taskId, MapInput.Over(over), command, env, file, line);

    public static MappedTask<string> MapBash<TIn>(this Dag dag, string taskId, IEnumerable<TIn> over, Func<TIn, string> command, IReadOnlyDictionary<string, string>? env = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        MapBash(dag, taskId, MapInput.Over(over), command, env, file, line);

    private static MappedTask<TOut> New<TIn, TOut>(Dag dag, string taskId, MapInput<TIn> over, Func<TaskContext, TIn, Task<object?>> invoke, string file, int line)
    {
        ArgumentNullException.ThrowIfNull(over);
        return new MappedTask<TOut>(dag, taskId, over.Parts, over.Mode, e => over.Combine(e), (ctx, x) => invoke(ctx, (TIn)x!), file, line);
    }

    /// <summary>
    /// A mapped task group (Airflow's <c>@task_group(...).expand(...)</c>): the tasks <paramref name="build"/> creates in
    /// the group are each expanded into one instance per element of <paramref name="over"/>. Instance <c>i</c> of a task
    /// receives element <c>i</c> through the <see cref="MapArgument{T}"/> passed as an input, waits only for instance
    /// <c>i</c> of its upstream tasks in the group, and receives their results of instance <c>i</c>. Tasks outside the
    /// group take <see cref="TaskGroup.Collect{T}"/> for every instance's result. Returns the closed group, to wire it.
    /// </summary>
    public static TaskGroup MapGroup<T>(this Dag dag, string groupId, MapInput<T> over, Action<TaskGroup, MapArgument<T>> build, string? tooltip = null, TaskDefaults? defaultArgs = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(over);
        ArgumentNullException.ThrowIfNull(build);
        if (dag.CurrentGroup?.MappedAncestorOrSelf is { } outer)
        {
            throw new DagDefinitionException($"Mapped task group '{groupId}' is inside mapped task group '{outer.GroupId}': mapped task groups do not nest.", file, line);
        }

        var combine = over.Combine;
        TaskGroup group;
        using (group = dag.Group(groupId, tooltip, defaultArgs, prefixGroupId: true, file, line))
        {
            group.Mapping = new GroupMapping(over.Parts, over.Mode, e => combine(e));
            build(group, new MapArgument<T>(group));
        }

        if (!group.AllTasks.Any())
        {
            throw new DagDefinitionException($"Mapped task group '{group.GroupId}' has no tasks.", file, line);
        }

        // Every task of the group needs the input's length to expand: the group's roots wait for the lists' producers.
        var roots = group.Roots;
        foreach (var producer in over.Parts.Select(p => p.Task).OfType<Operator>().Distinct())
        {
            foreach (var root in roots)
            {
                producer.SetDownstream(root);
            }
        }

        return group;
    }

    /// <summary>A mapped task group over a list known when the DAG is written.</summary>
    public static TaskGroup MapGroup<T>(this Dag dag, string groupId, IEnumerable<T> over, Action<TaskGroup, MapArgument<T>> build, string? tooltip = null, TaskDefaults? defaultArgs = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        dag.MapGroup(groupId, MapInput.Over(over), build, tooltip, defaultArgs, file, line);

    /// <summary>A mapped task group over the list an upstream task returns.</summary>
    public static TaskGroup MapGroup<T>(this Dag dag, string groupId, ITaskResult<IEnumerable<T>> over, Action<TaskGroup, MapArgument<T>> build, string? tooltip = null, TaskDefaults? defaultArgs = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        dag.MapGroup(groupId, MapInput.Over(over), build, tooltip, defaultArgs, file, line);
}
