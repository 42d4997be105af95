namespace Updraft.Core.Dags;

/// <summary>
/// What a mapped task is expanded over: an upstream task's list result (<see cref="MapInput.Over{T}(ITaskResult{IEnumerable{T}})"/>),
/// a list known when the DAG is written (<see cref="MapInput.Over{T}(IEnumerable{T})"/>), or several of them combined as a
/// cross product (<see cref="Product{T2}"/>, one instance per combination) or zipped (<see cref="Zip{T2}"/>, one instance
/// per position, as long as the shortest). Each instance receives its element typed as <typeparamref name="T"/>.
/// </summary>
public sealed class MapInput<T>
{
    internal MapInput(IReadOnlyList<MapPart> parts, MapMode mode, Func<object?[], T> combine)
    {
        Parts = parts;
        Mode = mode;
        Combine = combine;
    }

    internal IReadOnlyList<MapPart> Parts { get; }

    internal MapMode Mode { get; }

    /// <summary>Builds an instance's value from one element per part.</summary>
    internal Func<object?[], T> Combine { get; }

    /// <summary>Every combination of this input's elements with <paramref name="other"/>'s (Airflow's <c>expand</c> over several arguments).</summary>
    public MapInput<(T, T2)> Product<T2>(MapInput<T2> other) => Join(other, MapMode.Product);

    /// <summary>This input's elements paired with <paramref name="other"/>'s by position, as long as the shorter (Airflow's <c>zip</c>).</summary>
    public MapInput<(T, T2)> Zip<T2>(MapInput<T2> other) => Join(other, MapMode.Zip);

    private MapInput<(T, T2)> Join<T2>(MapInput<T2> other, MapMode mode)
    {
        ArgumentNullException.ThrowIfNull(other);
        if ((Mode != MapMode.Single && Mode != mode) || (other.Mode != MapMode.Single && other.Mode != mode))
        {
            throw new ArgumentException("A mapped task's input is either a cross product or a zip of lists; it cannot mix the two.");
        }

        var split = Parts.Count;
        var (left, right) = (Combine, other.Combine);
        return new MapInput<(T, T2)>([.. Parts, .. other.Parts], mode, e => (left(e[..split]), right(e[split..])));
    }
}

/// <summary>Builds a <see cref="MapInput{T}"/>.</summary>
public static class MapInput
{
    /// <summary>Expands over the list an upstream task returns (or a mapped task's collected results).</summary>
    public static MapInput<T> Over<T>(ITaskResult<IEnumerable<T>> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (task is not ICollectedResult && task.Producer.MappedGroup is { } group)
        {
            throw new DagDefinitionException(
                $"Mapping over '{task.Producer.TaskId}', a task of mapped task group '{group.GroupId}': map over group.Collect(task), the results of every instance.",
                group.File,
                group.DefinedAtLine);
        }

        return new([new MapPart(task.Producer, null, typeof(T))], MapMode.Single, e => (T)e[0]!);
    }

    /// <summary>Expands over a list known when the DAG is written.</summary>
    public static MapInput<T> Over<T>(IEnumerable<T> items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new([new MapPart(null, [.. items.Cast<object?>()], typeof(T))], MapMode.Single, e => (T)e[0]!);
    }
}

/// <summary>How a mapped task's input parts combine.</summary>
public enum MapMode
{
    /// <summary>One list.</summary>
    Single,

    /// <summary>Every combination (the first part varies slowest).</summary>
    Product,

    /// <summary>Elements at the same position, as long as the shortest list.</summary>
    Zip,
}

/// <summary>One list a mapped task expands over: an upstream task's result, or literal elements.</summary>
public sealed record MapPart(Operator? Task, IReadOnlyList<object?>? Literal, Type ElementType);
