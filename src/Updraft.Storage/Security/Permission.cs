namespace Updraft.Storage.Security;

/// <summary>One permission of a role: an action (<c>can_read</c>, <c>can_edit</c>, …) on a resource (<c>DAGs</c>, <c>DAG:etl</c>, …), as Airflow's FAB model names them.</summary>
public sealed record Permission(string Action, string Resource)
{
    public override string ToString() => $"{Action} on {Resource}";
}
