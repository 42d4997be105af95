namespace Updraft.Core.Timetables;

/// <summary>The next run a timetable asks for: when to create it and which interval it covers.</summary>
public sealed record DagRunInfo(DateTimeOffset RunAfter, DataInterval DataInterval)
{
    /// <summary>The run's logical date: the start of its data interval.</summary>
    public DateTimeOffset LogicalDate => DataInterval.Start;

    public static DagRunInfo Interval(DateTimeOffset start, DateTimeOffset end) => new(end, new DataInterval(start, end));

    public static DagRunInfo Exact(DateTimeOffset at) => new(at, new DataInterval(at, at));
}
