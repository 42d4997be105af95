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

    /// <summary>Callbacks for every task that has none of its own for the event (Airflow's callbacks in <c>default_args</c>).</summary>
    public CallbackList OnExecute { get; set; } = [];

    public CallbackList OnSuccess { get; set; } = [];

    public CallbackList OnFailure { get; set; } = [];

    public CallbackList OnRetry { get; set; } = [];

    public CallbackList OnSkipped { get; set; } = [];

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
            OnExecute = OnExecute.Count > 0 ? OnExecute : under.OnExecute,
            OnSuccess = OnSuccess.Count > 0 ? OnSuccess : under.OnSuccess,
            OnFailure = OnFailure.Count > 0 ? OnFailure : under.OnFailure,
            OnRetry = OnRetry.Count > 0 ? OnRetry : under.OnRetry,
            OnSkipped = OnSkipped.Count > 0 ? OnSkipped : under.OnSkipped,
        };
    }
}
