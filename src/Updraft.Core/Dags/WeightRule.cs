namespace Updraft.Core.Dags;

/// <summary>How a task's effective priority is computed from its own weight.</summary>
public enum WeightRule
{
    /// <summary>Own weight plus the weights of all downstream tasks (Airflow's default).</summary>
    Downstream,

    /// <summary>Own weight plus the weights of all upstream tasks.</summary>
    Upstream,

    /// <summary>Own weight only.</summary>
    Absolute,
}
