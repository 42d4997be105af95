namespace Updraft.Storage.Stores;

/// <summary>One time a sensor in reschedule mode gave its slot back: its poke's start, end and length, and when the next poke is due.</summary>
public sealed record TaskReschedule(int TryNumber, DateTimeOffset StartDate, DateTimeOffset EndDate, double Duration, DateTimeOffset RescheduleDate);
