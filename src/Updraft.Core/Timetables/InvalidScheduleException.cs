namespace Updraft.Core.Timetables;

/// <summary>A schedule string (cron, preset, time span) that cannot be read.</summary>
public sealed class InvalidScheduleException(string message) : ArgumentException(message);
