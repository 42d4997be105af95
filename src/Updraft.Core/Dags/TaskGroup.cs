namespace Updraft.Core.Dags;

/// <summary>
/// A named group of tasks in a DAG (Airflow's <c>TaskGroup</c>): tasks created while it is open get its id as a
/// prefix (<c>load.copy</c>), take its <see cref="DefaultArgs"/> over the DAG's, and can be wired as one unit —
/// <c>group.Then(next)</c> runs <c>next</c> after the group's leaves, <c>previous.Then(group)</c> runs the group's
/// roots after <c>previous</c>. Groups nest. Open one with <c>using (dag.Group("id")) { … }</c> or
/// <c>dag.Group("id", g =&gt; { … })</c>.
/// </summary>
public sealed class TaskGroup : IDisposable
{
    private readonly List<Operator> _tasks = [];
    private readonly List<TaskGroup> _children = [];
    private bool _closed;

    internal TaskGroup(Dag dag, string localId, TaskGroup? parent, string file, int line)
    {
        Dag = dag;
        Parent = parent;
        GroupId = parent is { PrefixGroupId: true } ? $"{parent.GroupId}.{localId}" : localId;
        DefinedAtLine = line;
        File = file;
        parent?._children.Add(this);
    }

    public Dag Dag { get; }

    /// <summary>The group's full id, prefixed by its parents' ids (<c>outer.inner</c>).</summary>
    public string GroupId { get; }

    public TaskGroup? Parent { get; }

    /// <summary>Shown when hovering the group in the UI.</summary>
    public string? Tooltip { get; set; }

    /// <summary>Markdown documentation of the group.</summary>
    public string? DocMd { get; set; }

    /// <summary>Whether the ids of tasks and groups inside get this group's id as a prefix (default true, as Airflow).</summary>
    public bool PrefixGroupId { get; init; } = true;

    /// <summary>Task settings for the tasks inside, over the enclosing group's and the DAG's <c>DefaultArgs</c>.</summary>
    public TaskDefaults DefaultArgs { get; set; } = new();

    public int DefinedAtLine { get; }

    internal string File { get; }

    /// <summary>This group, or the nearest enclosing group, when it is mapped.</summary>
    internal TaskGroup? MappedAncestorOrSelf => IsMapped ? this : Parent?.MappedAncestorOrSelf;

    /// <summary>The tasks directly in this group (not in nested groups).</summary>
    public IReadOnlyList<Operator> Tasks => _tasks;

    public IReadOnlyList<TaskGroup> Children => _children;

    /// <summary>Whether the group is mapped (<c>dag.MapGroup</c>): every task in it expands into one instance per element of its input.</summary>
    public bool IsMapped => Mapping is not null;

    internal GroupMapping? Mapping { get; set; }

    /// <summary>
    /// The results of every instance of <paramref name="task"/>, a task of this mapped group, in map-index order: what a
    /// task outside the group takes (inside it, a task receives the result of the same instance).
    /// </summary>
    public ITaskResult<T[]> Collect<T>(ITaskResult<T> task)
    {
        ArgumentNullException.ThrowIfNull(task);
        if (!IsMapped || !AllTasks.Contains(task.Producer))
        {
            throw new DagDefinitionException($"Collect takes a task of mapped task group '{GroupId}'; '{task.Producer.TaskId}' is not one.", File, DefinedAtLine);
        }

        return new CollectedResult<T>(task.Producer);
    }

    /// <summary>Every task in this group and its nested groups.</summary>
    public IEnumerable<Operator> AllTasks => _tasks.Concat(_children.SelectMany(c => c.AllTasks));

    /// <summary>The tasks of the group with no upstream task inside it: what runs after a task set upstream of the group.</summary>
    public IReadOnlyList<Operator> Roots
    {
        get
        {
            var inside = AllTaskIds();
            return [.. AllTasks.Where(t => !t.UpstreamTaskIds.Any(inside.Contains))];
        }
    }

    /// <summary>The tasks of the group with no downstream task inside it (teardowns aside): what a task set downstream waits for.</summary>
    public IReadOnlyList<Operator> Leaves
    {
        get
        {
            var inside = AllTaskIds();
            var leaves = AllTasks.Where(t => !t.DownstreamTaskIds.Any(id => inside.Contains(id) && !Dag.GetTask(id).IsTeardown)).ToList();

            // As Airflow: a teardown is a leaf only when nothing else is.
            var work = leaves.Where(t => !t.IsTeardown).ToList();
            return work.Count > 0 ? work : leaves;
        }
    }

    /// <summary>The full id a task or group named <paramref name="localId"/> gets inside this group.</summary>
    public string ChildId(string localId) => PrefixGroupId ? $"{GroupId}.{localId}" : localId;

    /// <summary>Closes the group: tasks created after this are no longer in it.</summary>
    public void Dispose()
    {
        if (!_closed)
        {
            _closed = true;
            Dag.CloseGroup(this);
        }
    }

    /// <summary>Runs <paramref name="downstream"/> after this group's leaves; returns it, to chain on.</summary>
    public TaskSet Then(TaskSet downstream) => new TaskSet(Leaves).Then(downstream);

    /// <summary>Runs <paramref name="downstream"/>'s roots after this group's leaves; returns it, to chain on.</summary>
    public TaskGroup Then(TaskGroup downstream)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        new TaskSet(Leaves).Then(new TaskSet(downstream.Roots));
        return downstream;
    }

    public static TaskSet operator >>(TaskGroup upstream, TaskSet downstream) => (upstream ?? throw new ArgumentNullException(nameof(upstream))).Then(downstream);

    public static TaskGroup operator >>(TaskGroup upstream, TaskGroup downstream) => (upstream ?? throw new ArgumentNullException(nameof(upstream))).Then(downstream);

    public override string ToString() => $"<TaskGroup: {GroupId}>";

    internal void Add(Operator task) => _tasks.Add(task);

    /// <summary>The group's default arguments over its parent's (and, at the top, the DAG's), field by field.</summary>
    internal TaskDefaults EffectiveDefaults() => DefaultArgs.Over(Parent?.EffectiveDefaults() ?? Dag.DefaultArgs);

    private HashSet<string> AllTaskIds() => new(AllTasks.Select(t => t.TaskId), StringComparer.Ordinal);
}
