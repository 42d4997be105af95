namespace Updraft.Core.Timetables;

/// <summary>What bounds automatic scheduling: the DAG's start date, end date and catchup flag.</summary>
public sealed record TimeRestriction(DateTimeOffset? Earliest, DateTimeOffset? Latest, bool Catchup);
