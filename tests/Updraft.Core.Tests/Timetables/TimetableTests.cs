using Updraft.Core.Timetables;

namespace Updraft.Core.Tests.Timetables;

public class TimetableTests
{
    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);

    private static CronSchedule Daily => new(CronExpression.Parse("0 0 * * *"), TimeZoneInfo.Utc);

    private static readonly DateTimeOffset Now = Utc("2025-06-15T12:00");

    [Fact]
    public void DataInterval_CatchupFirstRun_CoversFirstIntervalAndRunsAfterIt()
    {
        var info = new CronDataIntervalTimetable(Daily).NextDagRunInfo(null, new TimeRestriction(Utc("2025-01-01T00:00"), null, true), Now)!;
        Assert.Equal(new DataInterval(Utc("2025-01-01T00:00"), Utc("2025-01-02T00:00")), info.DataInterval);
        Assert.Equal(Utc("2025-01-02T00:00"), info.RunAfter);
        Assert.Equal(Utc("2025-01-01T00:00"), info.LogicalDate);
    }

    [Fact]
    public void DataInterval_CatchupAfterLastRun_CreatesEveryMissedIntervalInOrder()
    {
        var timetable = new CronDataIntervalTimetable(Daily);
        var restriction = new TimeRestriction(Utc("2025-01-01T00:00"), null, true);
        var starts = new List<DateTimeOffset>();
        DataInterval? last = null;
        for (var i = 0; i < 3; i++)
        {
            last = timetable.NextDagRunInfo(last, restriction, Now)!.DataInterval;
            starts.Add(last.Start);
        }

        Assert.Equal([Utc("2025-01-01T00:00"), Utc("2025-01-02T00:00"), Utc("2025-01-03T00:00")], starts);
    }

    [Fact]
    public void DataInterval_StartDateOffSchedule_AlignsToNextFireTime()
    {
        var info = new CronDataIntervalTimetable(Daily).NextDagRunInfo(null, new TimeRestriction(Utc("2025-01-01T05:00"), null, true), Now)!;
        Assert.Equal(Utc("2025-01-02T00:00"), info.DataInterval.Start);
    }

    [Fact]
    public void DataInterval_NoCatchup_RunsOnlyLatestCompleteInterval()
    {
        var info = new CronDataIntervalTimetable(Daily).NextDagRunInfo(null, new TimeRestriction(Utc("2025-01-01T00:00"), null, false), Now)!;
        Assert.Equal(new DataInterval(Utc("2025-06-14T00:00"), Utc("2025-06-15T00:00")), info.DataInterval);
    }

    [Fact]
    public void DataInterval_NoCatchupNowOnBoundary_IntervalEndingNowIsLatest()
    {
        var info = new CronDataIntervalTimetable(Daily).NextDagRunInfo(null, new TimeRestriction(Utc("2025-01-01T00:00"), null, false), Utc("2025-06-15T00:00"))!;
        Assert.Equal(new DataInterval(Utc("2025-06-14T00:00"), Utc("2025-06-15T00:00")), info.DataInterval);
    }

    [Fact]
    public void DataInterval_NoCatchupStartDateInFuture_FirstIntervalAfterStart()
    {
        var info = new CronDataIntervalTimetable(Daily).NextDagRunInfo(null, new TimeRestriction(Utc("2025-07-01T05:00"), null, false), Now)!;
        Assert.Equal(new DataInterval(Utc("2025-07-02T00:00"), Utc("2025-07-03T00:00")), info.DataInterval);
        Assert.Equal(Utc("2025-07-03T00:00"), info.RunAfter);
    }

    [Fact]
    public void DataInterval_NoCatchupAfterPause_SkipsToLatestInsteadOfBackfilling()
    {
        var last = new DataInterval(Utc("2025-06-01T00:00"), Utc("2025-06-02T00:00"));
        var info = new CronDataIntervalTimetable(Daily).NextDagRunInfo(last, new TimeRestriction(Utc("2025-01-01T00:00"), null, false), Now)!;
        Assert.Equal(Utc("2025-06-14T00:00"), info.DataInterval.Start);
    }

    [Fact]
    public void DataInterval_LastIntervalOffSchedule_RealignsToCron()
    {
        // The schedule changed: the last run ended at 05:00, which the daily cron never produces.
        var last = new DataInterval(Utc("2025-01-01T05:00"), Utc("2025-01-02T05:00"));
        var info = new CronDataIntervalTimetable(Daily).NextDagRunInfo(last, new TimeRestriction(Utc("2025-01-01T00:00"), null, true), Now)!;
        Assert.Equal(new DataInterval(Utc("2025-01-02T00:00"), Utc("2025-01-03T00:00")), info.DataInterval);
    }

    [Fact]
    public void DataInterval_PastEndDate_NoMoreRuns()
    {
        var last = new DataInterval(Utc("2025-01-02T00:00"), Utc("2025-01-03T00:00"));
        var restriction = new TimeRestriction(Utc("2025-01-01T00:00"), Utc("2025-01-02T00:00"), true);
        Assert.Null(new CronDataIntervalTimetable(Daily).NextDagRunInfo(last, restriction, Now));
    }

    [Fact]
    public void DataInterval_ManualRun_InfersTheLastCompleteIntervalBeforeRunAfter()
    {
        // Airflow: a run triggered at 10:00 on the 5th of a daily DAG covers the 4th (the last interval that has ended).
        Assert.Equal(
            new DataInterval(Utc("2025-01-04T00:00"), Utc("2025-01-05T00:00")),
            new CronDataIntervalTimetable(Daily).InferManualDataInterval(Utc("2025-01-05T10:00")));
        Assert.Equal(
            new DataInterval(Utc("2025-01-04T00:00"), Utc("2025-01-05T00:00")),
            new CronDataIntervalTimetable(Daily).InferManualDataInterval(Utc("2025-01-05T00:00")));
    }

    [Fact]
    public void Trigger_CatchupFirstRun_LogicalDateIsFireTime()
    {
        var info = new CronTriggerTimetable(Daily).NextDagRunInfo(null, new TimeRestriction(Utc("2025-01-01T05:00"), null, true), Now)!;
        Assert.Equal(Utc("2025-01-02T00:00"), info.LogicalDate);
        Assert.Equal(Utc("2025-01-02T00:00"), info.RunAfter);
        Assert.Equal(info.DataInterval.Start, info.DataInterval.End);
    }

    [Fact]
    public void Trigger_CatchupAfterLastRun_NextFireTime()
    {
        var last = new DataInterval(Utc("2025-01-02T00:00"), Utc("2025-01-02T00:00"));
        var info = new CronTriggerTimetable(Daily).NextDagRunInfo(last, new TimeRestriction(Utc("2025-01-01T00:00"), null, true), Now)!;
        Assert.Equal(Utc("2025-01-03T00:00"), info.LogicalDate);
    }

    [Fact]
    public void Trigger_NoCatchup_LatestFireTimeAtOrBeforeNow()
    {
        var info = new CronTriggerTimetable(Daily).NextDagRunInfo(null, new TimeRestriction(Utc("2025-01-01T00:00"), null, false), Now)!;
        Assert.Equal(Utc("2025-06-15T00:00"), info.LogicalDate);
    }

    [Fact]
    public void Trigger_NoCatchupAfterLatestRan_NextFireTime()
    {
        var last = new DataInterval(Utc("2025-06-15T00:00"), Utc("2025-06-15T00:00"));
        var info = new CronTriggerTimetable(Daily).NextDagRunInfo(last, new TimeRestriction(Utc("2025-01-01T00:00"), null, false), Now)!;
        Assert.Equal(Utc("2025-06-16T00:00"), info.LogicalDate);
    }

    [Fact]
    public void Trigger_NoCatchupStartInFuture_FirstFireTimeAfterStart()
    {
        var info = new CronTriggerTimetable(Daily).NextDagRunInfo(null, new TimeRestriction(Utc("2025-07-01T05:00"), null, false), Now)!;
        Assert.Equal(Utc("2025-07-02T00:00"), info.LogicalDate);
    }

    [Fact]
    public void Trigger_NoStartDateWithCatchup_NoRun() =>
        Assert.Null(new CronTriggerTimetable(Daily).NextDagRunInfo(null, new TimeRestriction(null, null, true), Now));

    [Fact]
    public void Delta_NoCatchup_LatestCompleteSpan()
    {
        var info = new DeltaDataIntervalTimetable(TimeSpan.FromHours(1)).NextDagRunInfo(null, new TimeRestriction(Utc("2025-01-01T00:00"), null, false), Utc("2025-06-15T12:34"))!;
        Assert.Equal(new DataInterval(Utc("2025-06-15T11:00"), Utc("2025-06-15T12:00")), info.DataInterval);
    }

    [Fact]
    public void Delta_Catchup_StartsAtStartDateAndContinuesFromLastEnd()
    {
        var timetable = new DeltaDataIntervalTimetable(TimeSpan.FromMinutes(30));
        var restriction = new TimeRestriction(Utc("2025-01-01T00:10"), null, true);
        var first = timetable.NextDagRunInfo(null, restriction, Now)!;
        var second = timetable.NextDagRunInfo(first.DataInterval, restriction, Now)!;
        Assert.Equal(new DataInterval(Utc("2025-01-01T00:10"), Utc("2025-01-01T00:40")), first.DataInterval);
        Assert.Equal(new DataInterval(Utc("2025-01-01T00:40"), Utc("2025-01-01T01:10")), second.DataInterval);
    }

    [Fact]
    public void Once_RunsOnceAtStartDate()
    {
        var timetable = new OnceTimetable();
        var restriction = new TimeRestriction(Utc("2025-01-01T00:00"), null, true);
        var first = timetable.NextDagRunInfo(null, restriction, Now)!;
        Assert.Equal(Utc("2025-01-01T00:00"), first.LogicalDate);
        Assert.Null(timetable.NextDagRunInfo(first.DataInterval, restriction, Now));
    }

    [Fact]
    public void Continuous_NextRunStartsWhereTheLastEnded()
    {
        var timetable = new ContinuousTimetable();
        var restriction = new TimeRestriction(Utc("2025-01-01T00:00"), null, false);
        var first = timetable.NextDagRunInfo(null, restriction, Now)!;
        var second = timetable.NextDagRunInfo(first.DataInterval, restriction, Utc("2025-06-15T12:05"))!;
        Assert.Equal(new DataInterval(Utc("2025-01-01T00:00"), Now), first.DataInterval);
        Assert.Equal(new DataInterval(Now, Utc("2025-06-15T12:05")), second.DataInterval);
        Assert.True(timetable.RequiresSingleActiveRun);
    }

    [Fact]
    public void Null_NeverSchedules()
    {
        var timetable = new NullTimetable();
        Assert.False(timetable.CanBeScheduled);
        Assert.Null(timetable.NextDagRunInfo(null, new TimeRestriction(Utc("2025-01-01T00:00"), null, true), Now));
    }

    [Theory]
    [InlineData("@daily", false, typeof(CronTriggerTimetable), "0 0 * * *")]
    [InlineData("@daily", true, typeof(CronDataIntervalTimetable), "0 0 * * *")]
    [InlineData("@hourly", false, typeof(CronTriggerTimetable), "0 * * * *")]
    [InlineData("@weekly", false, typeof(CronTriggerTimetable), "0 0 * * 0")]
    [InlineData("@monthly", false, typeof(CronTriggerTimetable), "0 0 1 * *")]
    [InlineData("@quarterly", false, typeof(CronTriggerTimetable), "0 0 1 */3 *")]
    [InlineData("@yearly", false, typeof(CronTriggerTimetable), "0 0 1 1 *")]
    [InlineData("@once", false, typeof(OnceTimetable), "@once")]
    [InlineData("@continuous", false, typeof(ContinuousTimetable), "@continuous")]
    [InlineData(null, false, typeof(NullTimetable), "None")]
    [InlineData("None", false, typeof(NullTimetable), "None")]
    [InlineData("15 4 * * MON", true, typeof(CronDataIntervalTimetable), "15 4 * * MON")]
    public void Schedule_Resolves(string? text, bool dataIntervals, Type expected, string summary)
    {
        var timetable = Schedule.Parse(text).ToTimetable(TimeZoneInfo.Utc, dataIntervals);
        Assert.IsType(expected, timetable);
        Assert.Equal(summary, timetable.Summary);
    }

    [Fact]
    public void Schedule_TimeSpan_IsDeltaTimetable()
    {
        Schedule schedule = TimeSpan.FromMinutes(10);
        var timetable = Assert.IsType<DeltaDataIntervalTimetable>(schedule.ToTimetable(TimeZoneInfo.Utc, false));
        Assert.Equal(TimeSpan.FromMinutes(10), timetable.Delta);
    }

    [Fact]
    public void Schedule_UnknownPreset_SaysWhich()
    {
        var error = Assert.Throws<InvalidScheduleException>(() => Schedule.Parse("@fortnightly"));
        Assert.Contains("Invalid schedule '@fortnightly': unknown preset", error.Message);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    public void Schedule_EmptyString_IsAnErrorNotManualOnly(string text)
    {
        var error = Assert.Throws<InvalidScheduleException>(() => Schedule.Parse(text));
        Assert.Contains("an empty string is not a schedule", error.Message);
    }

    [Fact]
    public void Schedule_NonPositiveSpan_IsRejected()
    {
        var error = Assert.Throws<InvalidScheduleException>(() => Schedule.Every(TimeSpan.Zero));
        Assert.Contains("must be positive", error.Message);
    }

    [Fact]
    public void Spec_RoundTrip_RebuildsSameSchedule()
    {
        var zurich = TimeZones.Find("Europe/Zurich");
        var original = new CronDataIntervalTimetable(new CronSchedule(CronExpression.Parse("30 2 * * *"), zurich));
        var rebuilt = original.ToSpec().ToTimetable();
        var from = Utc("2025-03-29T01:30");
        var restriction = new TimeRestriction(from, null, true);
        Assert.Equal(original.NextDagRunInfo(null, restriction, Now), rebuilt.NextDagRunInfo(null, restriction, Now));
    }
}
