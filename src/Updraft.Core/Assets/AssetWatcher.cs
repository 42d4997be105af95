namespace Updraft.Core.Assets;

/// <summary>
/// Event-driven scheduling (Airflow 3's <c>AssetWatcher</c>): a trigger that runs in the triggerer for as long as the
/// asset is declared, and every event it yields records an event of the asset (its payload as the extra data) — which
/// starts the DAGs scheduled on the asset. The trigger must be able to fire again and again (a file drop, a queue).
/// </summary>
public sealed record AssetWatcher(string Name, Triggers.Trigger Trigger);
