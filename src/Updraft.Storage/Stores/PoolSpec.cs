namespace Updraft.Storage.Stores;

/// <summary>
/// A pool to create or update: its name, slots and description, and whether its deferred task instances take slots
/// (Airflow's <c>include_deferred</c>).
/// </summary>
public sealed record PoolSpec(string Pool, int Slots, string? Description, bool IncludeDeferred = false);
