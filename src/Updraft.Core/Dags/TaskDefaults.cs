using Updraft.Core.TriggerRules;

namespace Updraft.Core.Dags;

/// <summary>
/// Task settings given once for a whole DAG (Airflow's <c>default_args</c>). A value set on a task wins;
/// an unset one falls back to these, then to the <c>[core]</c> configuration defaults.
/// </summary>
public sealed class TaskDefaults
{
    public string? Owner { get; set; }

    public int? Retries { get; set; }

    public TimeSpan? RetryDelay { get; set; }

    public bool? RetryExponentialBackoff { get; set; }

    public TimeSpan? MaxRetryDelay { get; set; }

    public TimeSpan? ExecutionTimeout { get; set; }

    public TriggerRule? TriggerRule { get; set; }

    public string? Pool { get; set; }

    public int? PriorityWeight { get; set; }

    public WeightRule? WeightRule { get; set; }

    public string? Queue { get; set; }

    /// <summary>These settings where set, <paramref name="under"/>'s elsewhere (a group's over its DAG's).</summary>
    public TaskDefaults Over(TaskDefaults under)
    {
        ArgumentNullException.ThrowIfNull(under);
        return new TaskDefaults
        {
            Owner = Owner ?? under.Owner,
            Retries = Retries ?? under.Retries,
            RetryDelay = RetryDelay ?? under.RetryDelay,
            RetryExponentialBackoff = RetryExponentialBackoff ?? under.RetryExponentialBackoff,
            MaxRetryDelay = MaxRetryDelay ?? under.MaxRetryDelay,
            ExecutionTimeout = ExecutionTimeout ?? under.ExecutionTimeout,
            TriggerRule = TriggerRule ?? under.TriggerRule,
            Pool = Pool ?? under.Pool,
            PriorityWeight = PriorityWeight ?? under.PriorityWeight,
            WeightRule = WeightRule ?? under.WeightRule,
            Queue = Queue ?? under.Queue,
        };
    }
}
