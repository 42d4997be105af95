using Updraft.Core.Timetables;

namespace Updraft.Core.Tests.Timetables;

public class CronScheduleTests
{
    private static readonly TimeZoneInfo Zurich = TimeZones.Find("Europe/Zurich");
    private static readonly TimeZoneInfo NewYork = TimeZones.Find("America/New_York");

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);

    private static CronSchedule Cron(string expression, TimeZoneInfo zone) => new(CronExpression.Parse(expression), zone);

    [Fact]
    public void Next_DailyInSpringForwardGap_MovesForwardByTheGap()
    {
        // 2025-03-30 in Zurich: 02:00 CET jumps to 03:00 CEST, so 02:30 does not exist and runs at 03:30 CEST.
        var cron = Cron("30 2 * * *", Zurich);
        Assert.Equal(Utc("2025-03-30T01:30"), cron.Next(Utc("2025-03-29T01:30")));
        Assert.Equal(Utc("2025-03-31T00:30"), cron.Next(Utc("2025-03-30T01:30")));
    }

    [Fact]
    public void Next_DailyInRepeatedHour_RunsOnceAtFirstOccurrence()
    {
        // 2025-10-26 in Zurich: 03:00 CEST falls back to 02:00 CET, so 02:30 happens twice.
        var cron = Cron("30 2 * * *", Zurich);
        Assert.Equal(Utc("2025-10-26T00:30"), cron.Next(Utc("2025-10-25T00:30")));
        Assert.Equal(Utc("2025-10-27T01:30"), cron.Next(Utc("2025-10-26T00:30")));
    }

    [Fact]
    public void Next_FromInsideTheRepeatedHourAfterTheFirstOccurrence_GoesToTheNextDay()
    {
        // 01:15Z is 02:15 CET, the second pass through the repeated hour; 02:30's first occurrence is already past.
        Assert.Equal(Utc("2025-10-27T01:30"), Cron("30 2 * * *", Zurich).Next(Utc("2025-10-26T01:15")));
    }

    [Fact]
    public void Previous_FromTheSecondPassThroughTheRepeatedHour_SkipsNoFireTime()
    {
        // 2026-11-01 in New York: 02:00 EDT falls back to 01:00 EST. 01:00 and 01:30 fire at their first occurrences
        // (05:00Z, 05:30Z); at 06:15Z (01:15 EST) the last fire time is 05:30Z, not 05:00Z.
        var cron = Cron("0,30 1 * * *", NewYork);
        Assert.Equal(Utc("2026-11-01T05:30"), cron.Previous(Utc("2026-11-01T06:15")));
        Assert.Equal(Utc("2026-11-01T05:30"), cron.AlignToPrevious(Utc("2026-11-01T06:15")));
        Assert.Equal(Utc("2026-11-02T06:00"), cron.Next(Utc("2026-11-01T06:15")));
    }

    [Fact]
    public void FireTimesAcrossFallBack_NeverGoBackwardsAndNeverRepeat()
    {
        foreach (var expression in new[] { "0,30 1 * * *", "30 1 * * *", "*/20 1,2 * * *", "15 0-3 * * *", "0 * * * *" })
        {
            var cron = Cron(expression, NewYork);
            var forward = new List<DateTimeOffset>();
            for (var t = cron.Next(Utc("2026-10-30T20:00")); t < Utc("2026-11-01T12:00"); t = cron.Next(t))
            {
                forward.Add(t);
            }

            // Walking back from every minute of the night gives the fire time just before it, in the forward list.
            for (var now = Utc("2026-11-01T03:00"); now < Utc("2026-11-01T10:00"); now = now.AddMinutes(5))
            {
                var expected = forward.Last(f => f < now);
                Assert.True(expected == cron.Previous(now), $"{expression}: Previous({now:O}) = {cron.Previous(now):O}, expected {expected:O}");
                Assert.True(cron.Next(now) > now, $"{expression}: Next({now:O}) went backwards");
            }

            Assert.Equal(forward.Count, forward.Distinct().Count());
        }
    }

    [Fact]
    public void Next_HourlyAcrossFallBack_FiresEveryRealHour()
    {
        // New York 2025-11-02: 02:00 EDT falls back to 01:00 EST; an hourly cron fires at 01:00 EDT and 01:00 EST.
        var cron = Cron("0 * * * *", NewYork);
        var times = new List<DateTimeOffset>();
        var t = Utc("2025-11-02T04:30");
        for (var i = 0; i < 4; i++)
        {
            t = cron.Next(t);
            times.Add(t);
        }

        Assert.Equal([Utc("2025-11-02T05:00"), Utc("2025-11-02T06:00"), Utc("2025-11-02T07:00"), Utc("2025-11-02T08:00")], times);
    }

    [Fact]
    public void Next_HourlyAcrossSpringForward_FiresEveryRealHour()
    {
        // New York 2025-03-09: 02:00 EST jumps to 03:00 EDT.
        var cron = Cron("0 * * * *", NewYork);
        Assert.Equal(Utc("2025-03-09T07:00"), cron.Next(Utc("2025-03-09T06:00")));
        Assert.Equal(Utc("2025-03-09T08:00"), cron.Next(Utc("2025-03-09T07:00")));
    }

    [Fact]
    public void Next_DailyAtTwoOnSpringForwardDay_RunsAtThree()
    {
        Assert.Equal(Utc("2025-03-09T07:00"), Cron("0 2 * * *", NewYork).Next(Utc("2025-03-08T12:00")));
    }

    [Fact]
    public void Previous_AcrossSpringForward_ReturnsTheShiftedTime()
    {
        Assert.Equal(Utc("2025-03-30T01:30"), Cron("30 2 * * *", Zurich).Previous(Utc("2025-03-31T00:30")));
    }

    [Fact]
    public void Previous_HourlyAcrossFallBack_StepsBackEveryRealHour()
    {
        var cron = Cron("0 * * * *", NewYork);
        Assert.Equal(Utc("2025-11-02T06:00"), cron.Previous(Utc("2025-11-02T07:00")));
        Assert.Equal(Utc("2025-11-02T05:00"), cron.Previous(Utc("2025-11-02T06:00")));
    }

    [Fact]
    public void Next_InTimeZone_UsesWallClock()
    {
        // 03:00 in Zurich in winter is 02:00 UTC, in summer 01:00 UTC.
        var cron = Cron("0 3 * * *", Zurich);
        Assert.Equal(Utc("2025-01-15T02:00"), cron.Next(Utc("2025-01-15T00:00")));
        Assert.Equal(Utc("2025-07-15T01:00"), cron.Next(Utc("2025-07-15T00:00")));
    }

    [Fact]
    public void AlignToNextAndPrevious_OnAndOffBoundary()
    {
        var cron = Cron("0 0 * * *", TimeZoneInfo.Utc);
        Assert.Equal(Utc("2025-01-02T00:00"), cron.AlignToNext(Utc("2025-01-02T00:00")));
        Assert.Equal(Utc("2025-01-03T00:00"), cron.AlignToNext(Utc("2025-01-02T00:01")));
        Assert.Equal(Utc("2025-01-02T00:00"), cron.AlignToPrevious(Utc("2025-01-02T00:00")));
        Assert.Equal(Utc("2025-01-02T00:00"), cron.AlignToPrevious(Utc("2025-01-02T23:59")));
    }

    [Fact]
    public void Find_UnknownTimeZone_SaysSo()
    {
        var error = Assert.Throws<InvalidScheduleException>(() => TimeZones.Find("Mars/Olympus"));
        Assert.Contains("Unknown time zone 'Mars/Olympus'", error.Message);
    }
}
