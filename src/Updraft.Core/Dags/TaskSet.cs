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
