namespace Updraft.Core.Dags;

/// <summary>
/// What a callable task receives as an argument of <paramref name="Type"/>: the result of the upstream task
/// <paramref name="Task"/>, or (when <see cref="Argument"/> is set, and <paramref name="Task"/> null) the element of a
/// mapped task group's input that the task's instance is for.
/// </summary>
public sealed record TaskInput(Operator? Task, Type Type)
{
    /// <summary>The mapped task group whose element this input is (<see cref="MapArgument{T}"/>).</summary>
    public TaskGroup? Argument { get; init; }

    /// <summary>Whether the input is the collected results of a mapped task group's task (<see cref="TaskGroup.Collect{T}"/>).</summary>
    public bool Collected { get; init; }

    internal static TaskInput From<T>(ITaskResult<T> result)
    {
        ArgumentNullException.ThrowIfNull(result);
        return result switch
        {
            MapArgument<T> argument => new TaskInput(null, typeof(T)) { Argument = argument.Group },
            ICollectedResult collected => new TaskInput(collected.Producer, typeof(T)) { Collected = true },
            _ => new TaskInput(result.Producer, typeof(T)),
        };
    }
}
