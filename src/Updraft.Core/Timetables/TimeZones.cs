namespace Updraft.Core.Timetables;

/// <summary>Looks up IANA time zones (from the machine's tzdata) with a clear error for unknown names.</summary>
public static class TimeZones
{
    public static TimeZoneInfo Find(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        if (id.Equals("utc", StringComparison.OrdinalIgnoreCase) || id == "Etc/UTC")
        {
            return TimeZoneInfo.Utc;
        }

        try
        {
            return TimeZoneInfo.FindSystemTimeZoneById(id);
        }
        catch (TimeZoneNotFoundException)
        {
            throw new InvalidScheduleException($"Unknown time zone '{id}'; use an IANA name such as 'Europe/Zurich' or 'UTC'.");
        }
        catch (InvalidTimeZoneException)
        {
            throw new InvalidScheduleException($"The time zone data for '{id}' on this machine is invalid.");
        }
    }
}
