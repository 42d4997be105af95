namespace Updraft.Storage.Queries;

/// <summary>One page of a list: its items, and how many match the query over all pages (Airflow's <c>total_entries</c>).</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, long TotalEntries);
