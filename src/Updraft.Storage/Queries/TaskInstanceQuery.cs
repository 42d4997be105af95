using Updraft.Core.States;

namespace Updraft.Storage.Queries;

/// <summary>Which task instances to list; every filter left null matches all.</summary>
public sealed record TaskInstanceQuery
{
    /// <summary>Only this DAG's task instances.</summary>
    public string? DagId { get; init; }

    /// <summary>Only these DAGs' task instances.</summary>
    public IReadOnlyCollection<string>? DagIds { get; init; }

    /// <summary>Only these runs' task instances.</summary>
    public IReadOnlyCollection<string>? RunIds { get; init; }

    /// <summary>Only these tasks.</summary>
    public IReadOnlyCollection<string>? TaskIds { get; init; }

    /// <summary>Only task instances in these states (<see cref="TaskInstanceState.None"/> for those not yet scheduled).</summary>
    public IReadOnlyCollection<TaskInstanceState>? States { get; init; }

    /// <summary>Only task instances in these pools.</summary>
    public IReadOnlyCollection<string>? Pools { get; init; }

    /// <summary>Only task instances on these queues.</summary>
    public IReadOnlyCollection<string>? Queues { get; init; }

    /// <summary>Only task instances that ran on these executors.</summary>
    public IReadOnlyCollection<string>? Executors { get; init; }

    /// <summary>Sortable by dag_id, run_id, task_id, map_index, state, start_date, end_date, duration, try_number, pool, queue, priority_weight; by run and task id by default.</summary>
    public PageRequest Page { get; init; } = new();
}
