using System.Runtime.CompilerServices;
using Updraft.Core.Timetables;

namespace Updraft.Core.Dags;

/// <summary>
/// A DAG: tasks and their dependencies, with a schedule. Tasks are added with <see cref="DagTaskFactory"/>'s extension
/// methods (<c>dag.Task(…)</c>, <c>dag.Bash(…)</c>, <c>dag.Empty(…)</c>) or by constructing an operator on it.
/// </summary>
public sealed class Dag
{
    private readonly List<Operator> _tasks = [];
    private readonly Dictionary<string, Operator> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskGroup> _groups = new(StringComparer.Ordinal);
    private readonly Stack<TaskGroup> _openGroups = new();

    public Dag(
        string dagId,
        Schedule? schedule = null,
        DateTimeOffset? startDate = null,
        [CallerFilePath] string fileloc = "",
        [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(dagId);
        Operator.Ids.Validate(dagId, "DAG id", fileloc, line);
        DagId = dagId;
        Schedule = schedule ?? Schedule.None;
        StartDate = startDate;
        Fileloc = fileloc;
        DefinedAtLine = line;
    }

    public string DagId { get; }

    public Schedule Schedule { get; }

    public DateTimeOffset? StartDate { get; set; }

    public DateTimeOffset? EndDate { get; set; }

    /// <summary>IANA time zone for schedule arithmetic; null uses <c>[core] default_timezone</c>.</summary>
    public string? TimeZone { get; set; }

    /// <summary>Whether missed intervals are run; null uses <c>[scheduler] catchup_by_default</c>.</summary>
    public bool? Catchup { get; set; }

    public string? Description { get; set; }

    public List<string> Tags { get; set; } = [];

    public TaskDefaults DefaultArgs { get; set; } = new();

    /// <summary>Run once when a run of this DAG succeeds (Airflow's DAG <c>on_success_callback</c>).</summary>
    public CallbackList OnSuccess { get; set; } = [];

    /// <summary>Run once when a run of this DAG fails (Airflow's DAG <c>on_failure_callback</c>).</summary>
    public CallbackList OnFailure { get; set; } = [];

    /// <summary>
    /// When a run must have finished by, and what to call once if it has not (Airflow 3's DAG <c>deadline</c>); null
    /// for none.
    /// </summary>
    public DeadlineAlert? Deadline { get; set; }

    /// <summary>null uses <c>[core] max_active_runs_per_dag</c>.</summary>
    public int? MaxActiveRuns { get; set; }

    /// <summary>null uses <c>[core] max_active_tasks_per_dag</c>.</summary>
    public int? MaxActiveTasks { get; set; }

    /// <summary>null uses <c>[core] dags_are_paused_at_creation</c>.</summary>
    public bool? IsPausedUponCreation { get; set; }

    public ParamSet Params { get; set; } = [];

    /// <summary>Markdown documentation shown with the DAG.</summary>
    public string? DocMd { get; set; }

    /// <summary>The file that defined the DAG.</summary>
    public string Fileloc { get; internal set; }

    public int DefinedAtLine { get; }

    public IReadOnlyList<Operator> Tasks => _tasks;

    /// <summary>Every task group, outer groups before the groups inside them.</summary>
    public IReadOnlyCollection<TaskGroup> TaskGroups => _groups.Values;

    /// <summary>The innermost open group: tasks created now go into it. Null outside any group.</summary>
    public TaskGroup? CurrentGroup => _openGroups.TryPeek(out var group) ? group : null;

    public IEnumerable<Operator> Roots => _tasks.Where(t => t.UpstreamTaskIds.Count == 0);

    public IEnumerable<Operator> Leaves => _tasks.Where(t => t.DownstreamTaskIds.Count == 0);

    /// <summary>
    /// Opens a task group: tasks (and groups) created until it is disposed go into it, their ids prefixed with
    /// <paramref name="groupId"/>. Write <c>using (var g = dag.Group("load")) { … }</c>.
    /// </summary>
    public TaskGroup Group(
        string groupId,
        string? tooltip = null,
        TaskDefaults? defaultArgs = null,
        bool prefixGroupId = true,
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(groupId);
        Operator.Ids.Validate(groupId, "task group id", file, line);
        var group = new TaskGroup(this, groupId, CurrentGroup, file, line)
        {
            Tooltip = tooltip,
            DefaultArgs = defaultArgs ?? new TaskDefaults(),
            PrefixGroupId = prefixGroupId,
        };
        if (_byId.ContainsKey(group.GroupId) || !_groups.TryAdd(group.GroupId, group))
        {
            throw new DagDefinitionException($"The task group id '{group.GroupId}' is already used by a task or group of DAG '{DagId}'.", Fileloc, line);
        }

        _openGroups.Push(group);
        return group;
    }

    /// <summary>Builds a task group: the tasks <paramref name="build"/> creates go into it. Returns the closed group, to wire it.</summary>
    public TaskGroup Group(
        string groupId,
        Action<TaskGroup> build,
        string? tooltip = null,
        TaskDefaults? defaultArgs = null,
        bool prefixGroupId = true,
        [CallerFilePath] string file = "",
        [CallerLineNumber] int line = 0)
    {
        ArgumentNullException.ThrowIfNull(build);
        using var group = Group(groupId, tooltip, defaultArgs, prefixGroupId, file, line);
        build(group);
        return group;
    }

    public bool TryGetGroup(string groupId, out TaskGroup group) => _groups.TryGetValue(groupId, out group!);

    /// <summary>
    /// The tasks a branch follows when it names <paramref name="ids"/>: a task id names that task, a group id the group's
    /// roots. Throws <see cref="ArgumentException"/> naming every id that is neither.
    /// </summary>
    public IReadOnlySet<string> ResolveTaskOrGroupIds(IEnumerable<string> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var result = new HashSet<string>(StringComparer.Ordinal);
        var unknown = new List<string>();
        foreach (var id in ids)
        {
            if (_byId.ContainsKey(id))
            {
                result.Add(id);
            }
            else if (_groups.TryGetValue(id, out var group))
            {
                result.UnionWith(group.Roots.Select(t => t.TaskId));
            }
            else
            {
                unknown.Add(id);
            }
        }

        return unknown.Count == 0
            ? result
            : throw new ArgumentException($"{string.Join(", ", unknown.Select(u => $"'{u}'"))} {(unknown.Count == 1 ? "is not a task or task group" : "are not tasks or task groups")} of DAG '{DagId}'.");
    }

    /// <summary>Every task downstream of <paramref name="taskId"/>, directly or not.</summary>
    public IReadOnlySet<string> DownstreamOf(string taskId) => Reachability.From(taskId, id => GetTask(id).DownstreamTaskIds);

    public Operator GetTask(string taskId) => _byId.TryGetValue(taskId, out var task)
        ? task
        : throw new KeyNotFoundException($"Task '{taskId}' not found in DAG '{DagId}'.");

    public bool TryGetTask(string taskId, out Operator task) => _byId.TryGetValue(taskId, out task!);

    /// <summary>
    /// Sets dependencies between consecutive items: <c>Chain(a, [b, c], d)</c> is a &gt;&gt; b, a &gt;&gt; c,
    /// b &gt;&gt; d, c &gt;&gt; d. Two adjacent lists must be equally long and are joined pairwise, as Airflow's chain.
    /// </summary>
    public void Chain(params TaskSet[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        for (var i = 0; i + 1 < items.Length; i++)
        {
            var (left, right) = (items[i].ToList(), items[i + 1].ToList());
            if (left.Count > 1 && right.Count > 1)
            {
                if (left.Count != right.Count)
                {
                    throw new DagDefinitionException(
                        $"Chain() got lists of different lengths next to each other ({left.Count} and {right.Count}); adjacent lists must be the same length.",
                        Fileloc,
                        right[0].DefinedAtLine);
                }

                for (var k = 0; k < left.Count; k++)
                {
                    left[k].SetDownstream(right[k]);
                }

                continue;
            }

            foreach (var up in left)
            {
                foreach (var down in right)
                {
                    up.SetDownstream(down);
                }
            }
        }
    }

    /// <summary>Tasks in an order where every task comes after its upstream tasks. Throws on a cycle.</summary>
    public IReadOnlyList<Operator> TopologicalOrder()
    {
        var remaining = _tasks.ToDictionary(t => t.TaskId, t => t.UpstreamTaskIds.Count, StringComparer.Ordinal);
        var ready = new Queue<Operator>(_tasks.Where(t => t.UpstreamTaskIds.Count == 0));
        var order = new List<Operator>(_tasks.Count);
        while (ready.TryDequeue(out var task))
        {
            order.Add(task);
            foreach (var downId in task.DownstreamTaskIds)
            {
                if (--remaining[downId] == 0)
                {
                    ready.Enqueue(_byId[downId]);
                }
            }
        }

        if (order.Count != _tasks.Count)
        {
            var faulty = _tasks.First(t => remaining[t.TaskId] > 0 && IsOnCycle(t));
            throw new DagDefinitionException(
                $"Cycle detected in DAG '{DagId}'. Faulty task: '{faulty.TaskId}' ({CycleText(faulty)}).",
                Fileloc,
                faulty.DefinedAtLine);
        }

        return order;
    }

    /// <summary>Checks the whole DAG: no cycles, valid param defaults, a start date for scheduled runs.</summary>
    public void Validate()
    {
        TopologicalOrder();
        try
        {
            Params.ValidateDefaults();
        }
        catch (ParamValidationException e)
        {
            throw new DagDefinitionException($"DAG '{DagId}' has an invalid param default. {e.Message}", Fileloc, DefinedAtLine);
        }

        if (Deadline is { Reference: DeadlineReference.DagRunQueuedAt, Interval: var interval } && interval < TimeSpan.Zero)
        {
            throw new DagDefinitionException($"DAG '{DagId}' has a deadline before its runs are queued ({interval}); the interval after queued_at must not be negative.", Fileloc, DefinedAtLine);
        }

        if (Tasks.FirstOrDefault(t => t.Outlets.Any(o => o is not (Assets.Asset or Assets.AssetAlias))) is { } odd)
        {
            throw new DagDefinitionException(
                $"Task '{odd.TaskId}' of DAG '{DagId}' lists an outlet that is neither an Asset nor an AssetAlias ({odd.Outlets.First(o => o is not (Assets.Asset or Assets.AssetAlias)).GetType().Name}).",
                Fileloc,
                odd.DefinedAtLine);
        }

        if (Deadline is { Callback.Count: 0 })
        {
            throw new DagDefinitionException($"DAG '{DagId}' has a deadline without a callback: give it the callback or notifier to call when a run misses it.", Fileloc, DefinedAtLine);
        }

        if (EndDate is { } end && StartDate is { } start && end < start)
        {
            throw new DagDefinitionException($"DAG '{DagId}' ends ({end:O}) before it starts ({start:O}).", Fileloc, DefinedAtLine);
        }
    }

    internal void CloseGroup(TaskGroup group)
    {
        if (!_openGroups.TryPeek(out var top) || !ReferenceEquals(top, group))
        {
            throw new DagDefinitionException(
                $"Task group '{group.GroupId}' was closed while {(top is null ? "it was not open" : $"group '{top.GroupId}' inside it is still open")}; close groups in the reverse order they were opened.",
                Fileloc,
                group.DefinedAtLine);
        }

        _openGroups.Pop();
    }

    internal void Register(Operator task)
    {
        if (_groups.ContainsKey(task.TaskId) || !_byId.TryAdd(task.TaskId, task))
        {
            throw new DagDefinitionException(
                $"Task id '{task.TaskId}' has already been added to the DAG '{DagId}'.",
                Fileloc,
                task.DefinedAtLine);
        }

        _tasks.Add(task);
    }

    public override string ToString() => $"<DAG: {DagId}>";

    private bool IsOnCycle(Operator start)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var stack = new Stack<string>(start.DownstreamTaskIds);
        while (stack.TryPop(out var id))
        {
            if (id == start.TaskId)
            {
                return true;
            }

            if (seen.Add(id))
            {
                foreach (var next in _byId[id].DownstreamTaskIds)
                {
                    stack.Push(next);
                }
            }
        }

        return false;
    }

    private string CycleText(Operator start)
    {
        // Breadth-first from the faulty task back to itself, for a readable "a >> b >> a".
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        var queue = new Queue<string>();
        queue.Enqueue(start.TaskId);
        while (queue.TryDequeue(out var id))
        {
            foreach (var next in _byId[id].DownstreamTaskIds)
            {
                if (next == start.TaskId)
                {
                    var path = new List<string> { next, id };
                    while (parent.TryGetValue(path[^1], out var p))
                    {
                        path.Add(p);
                    }

                    path.Reverse();
                    return string.Join(" >> ", path);
                }

                if (parent.TryAdd(next, id))
                {
                    queue.Enqueue(next);
                }
            }
        }

        return start.TaskId;
    }
}
