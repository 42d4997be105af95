namespace Updraft.Server.RestApi;

/// <summary>How a route's permission relates to the DAG in its path (<c>{dag_id}</c>), as Airflow's auth manager checks it.</summary>
public enum DagScope
{
    /// <summary>The resource is not about one DAG (variables, pools, …): the action on the resource.</summary>
    None,

    /// <summary>The route acts on the DAG itself: the action on <c>DAGs</c> or on <c>DAG:&lt;dag_id&gt;</c>.</summary>
    Dag,

    /// <summary>
    /// The route acts on something of the DAG (runs, task instances, logs, XComs, code): the action on that resource,
    /// and reading the DAG.
    /// </summary>
    DagEntity,
}
