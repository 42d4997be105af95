namespace Updraft.Core.Timetables;

/// <summary>The span of time a DAG run covers: [Start, End).</summary>
public sealed record DataInterval(DateTimeOffset Start, DateTimeOffset End);
