using System.Collections;

namespace Updraft.Core.Dags;

/// <summary>
/// Several tasks on one side of a dependency: <c>start &gt;&gt; [a, b]</c>,
/// <c>new TaskSet { a, b } &gt;&gt; end</c>, or an item of <see cref="Dag.Chain"/>.
/// </summary>
public sealed class TaskSet : IEnumerable<Operator>
{
    private readonly List<Operator> _tasks = [];

    public TaskSet()
    {
    }

    public TaskSet(IEnumerable<Operator> tasks)
    {
        ArgumentNullException.ThrowIfNull(tasks);
        _tasks.AddRange(tasks);
    }

    public int Count => _tasks.Count;

    public void Add(Operator task) => _tasks.Add(task ?? throw new ArgumentNullException(nameof(task)));

    public IEnumerator<Operator> GetEnumerator() => _tasks.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    public static implicit operator TaskSet(Operator task) => [task];

    public static implicit operator TaskSet(Operator[] tasks) => new(tasks);

    /// <summary>Runs <paramref name="downstream"/> after every task of this set and returns it.</summary>
    public T Then<T>(T downstream)
        where T : Operator
    {
        foreach (var task in _tasks)
        {
            task.SetDownstream(downstream);
        }

        return downstream;
    }

    /// <summary>Runs every task of <paramref name="downstream"/> after every task of this set and returns them.</summary>
    public TaskSet Then(TaskSet downstream)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        foreach (var up in _tasks)
        {
            foreach (var down in downstream._tasks)
            {
                up.SetDownstream(down);
            }
        }

        return downstream;
    }

    /// <summary>Runs the group's roots after every task of this set and returns the group.</summary>
    public TaskGroup Then(TaskGroup downstream)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        Then(new TaskSet(downstream.Roots));
        return downstream;
    }

    public static TaskGroup operator >>(TaskSet upstream, TaskGroup downstream) => (upstream ?? throw new ArgumentNullException(nameof(upstream))).Then(downstream);

    public static Operator operator >>(TaskSet upstream, Operator downstream)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        foreach (var task in upstream._tasks)
        {
            task.SetDownstream(downstream);
        }

        return downstream;
    }

    public static Operator operator <<(TaskSet downstream, Operator upstream)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        foreach (var task in downstream._tasks)
        {
            task.SetUpstream(upstream);
        }

        return upstream;
    }
}
