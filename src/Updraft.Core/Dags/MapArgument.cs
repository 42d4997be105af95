namespace Updraft.Core.Dags;

/// <summary>
/// The element a mapped task group's instance is for (Airflow's expanded argument of a <c>@task_group</c>): pass it to
/// tasks inside the group as an input, and instance <c>i</c> of each receives element <c>i</c>, typed.
/// </summary>
public sealed class MapArgument<T> : ITaskResult<T>
{
    internal MapArgument(TaskGroup group) => Group = group;

    /// <summary>The mapped task group it belongs to.</summary>
    public TaskGroup Group { get; }

    /// <summary>Not a task's result: only tasks inside the group can take it, as an input.</summary>
    public Operator Producer => throw new DagDefinitionException(
        $"The argument of mapped task group '{Group.GroupId}' is not a task's result: pass it as an input to tasks inside that group.",
        Group.File,
        Group.DefinedAtLine);
}

/// <summary>The results of every instance of a mapped task group's task, collected in map-index order (<see cref="TaskGroup.Collect{T}"/>).</summary>
internal interface ICollectedResult
{
    Operator Producer { get; }
}

internal sealed class CollectedResult<T>(Operator producer) : ITaskResult<T[]>, ICollectedResult
{
    public Operator Producer { get; } = producer;
}

/// <summary>How a mapped task group expands: its input lists, how they combine, and how an instance's element is built.</summary>
internal sealed record GroupMapping(IReadOnlyList<MapPart> Parts, MapMode Mode, Func<object?[], object?> Combine);
