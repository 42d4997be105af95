namespace Updraft.Storage.Stores;

/// <summary>A pool to create or update: its name, slots and description.</summary>
public sealed record PoolSpec(string Pool, int Slots, string? Description);
