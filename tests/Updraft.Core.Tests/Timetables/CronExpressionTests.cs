using Updraft.Core.Timetables;

namespace Updraft.Core.Tests.Timetables;

public class CronExpressionTests
{
    private static DateTime T(string text) => DateTime.Parse(text, System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData("0 3 * * *", "2025-01-01 03:00", "2025-01-02 03:00")]
    [InlineData("0 3 * * *", "2025-01-01 02:59", "2025-01-01 03:00")]
    [InlineData("*/15 * * * *", "2025-01-01 10:07", "2025-01-01 10:15")]
    [InlineData("*/15 * * * *", "2025-01-01 23:50", "2025-01-02 00:00")]
    [InlineData("5-10/2 1 * * *", "2025-01-01 01:06", "2025-01-01 01:07")]
    [InlineData("30/10 * * * *", "2025-01-01 00:55", "2025-01-01 01:30")]
    [InlineData("0 0 * * MON-FRI", "2025-01-03 12:00", "2025-01-06 00:00")]
    [InlineData("0 0 * * sat,sun", "2025-01-01 00:00", "2025-01-04 00:00")]
    [InlineData("0 0 1 JAN,jul *", "2025-02-01 00:00", "2025-07-01 00:00")]
    [InlineData("0 0 L * *", "2025-02-10 00:00", "2025-02-28 00:00")]
    [InlineData("0 0 L * *", "2024-02-10 00:00", "2024-02-29 00:00")]
    [InlineData("0 0 L 4 *", "2025-01-01 00:00", "2025-04-30 00:00")]
    [InlineData("0 9 * * MON#1", "2025-01-07 00:00", "2025-02-03 09:00")]
    [InlineData("0 9 * * 5#3", "2025-01-01 00:00", "2025-01-17 09:00")]
    [InlineData("0 0 29 2 *", "2025-03-01 00:00", "2028-02-29 00:00")]
    [InlineData("0 0 ? * 7", "2025-01-01 00:00", "2025-01-05 00:00")]
    [InlineData("0 12 * * 0", "2025-01-01 00:00", "2025-01-05 12:00")]
    [InlineData("59 23 31 12 *", "2025-12-31 23:59", "2026-12-31 23:59")]
    [InlineData("0 0 1 */3 *", "2025-02-15 00:00", "2025-04-01 00:00")]
    public void NextLocal_Expression_ReturnsFirstMatchStrictlyAfter(string expression, string after, string expected) =>
        Assert.Equal(T(expected), CronExpression.Parse(expression).NextLocal(T(after)));

    [Theory]
    [InlineData("0 3 * * *", "2025-01-02 03:00", "2025-01-01 03:00")]
    [InlineData("0 3 * * *", "2025-01-02 03:00:30", "2025-01-02 03:00")]
    [InlineData("*/15 * * * *", "2025-01-02 00:00", "2025-01-01 23:45")]
    [InlineData("0 0 L * *", "2025-03-15 00:00", "2025-02-28 00:00")]
    [InlineData("0 9 * * MON#1", "2025-02-03 09:00", "2025-01-06 09:00")]
    [InlineData("0 0 1 1 *", "2025-01-01 00:00", "2024-01-01 00:00")]
    public void PreviousLocal_Expression_ReturnsLastMatchStrictlyBefore(string expression, string before, string expected) =>
        Assert.Equal(T(expected), CronExpression.Parse(expression).PreviousLocal(T(before)));

    [Fact]
    public void NextLocal_DayOfMonthAndDayOfWeekBothRestricted_MatchesEither()
    {
        // Vixie cron and croniter: the 13th OR any Friday.
        var cron = CronExpression.Parse("0 0 13 * FRI");
        Assert.Equal(T("2025-06-06 00:00"), cron.NextLocal(T("2025-06-01 00:00")));
        Assert.Equal(T("2025-06-13 00:00"), cron.NextLocal(T("2025-06-06 00:00")));
        Assert.Equal(T("2025-06-20 00:00"), cron.NextLocal(T("2025-06-13 00:00")));
    }

    [Fact]
    public void NextLocal_StepInDayOfMonthWithWeekday_IsRestrictedAndOred()
    {
        // */10 in day-of-month does not cover every day, so croniter ORs it with Monday.
        var cron = CronExpression.Parse("0 0 */10 * MON");
        Assert.Equal(T("2025-06-02 00:00"), cron.NextLocal(T("2025-06-01 00:00")));
        Assert.Equal(T("2025-06-09 00:00"), cron.NextLocal(T("2025-06-02 00:00")));
        Assert.Equal(T("2025-06-11 00:00"), cron.NextLocal(T("2025-06-09 00:00")));
    }

    [Fact]
    public void CoversEveryHour_HourStar_True() => Assert.True(CronExpression.Parse("5 * * * *").CoversEveryHour);

    [Fact]
    public void CoversEveryHour_FixedHour_False() => Assert.False(CronExpression.Parse("5 3 * * *").CoversEveryHour);

    [Theory]
    [InlineData("* * * *", "expected 5 fields")]
    [InlineData("* * * * * *", "expected 5 fields")]
    [InlineData("60 * * * *", "60 is out of range for the minute field (0-59)")]
    [InlineData("0 24 * * *", "24 is out of range for the hour field (0-23)")]
    [InlineData("0 0 0 * *", "0 is out of range for the day-of-month field (1-31)")]
    [InlineData("0 0 * 13 *", "13 is out of range for the month field (1-12)")]
    [InlineData("0 0 * * 8", "8 is out of range for the day-of-week field (0-7)")]
    [InlineData("0 0 * * MON#6", "week number from 1 to 5")]
    [InlineData("0 0 * FOO *", "'FOO' is not a valid month value")]
    [InlineData("*/0 * * * *", "bad step")]
    [InlineData("10-5 * * * *", "runs backwards")]
    [InlineData("0 0 30 2 *", "never matches")]
    [InlineData("0 0 * * 5L", "'L' is only supported")]
    [InlineData("1,,2 * * * *", "empty list item")]
    public void Parse_InvalidExpression_SaysWhy(string expression, string reason)
    {
        var error = Assert.Throws<InvalidScheduleException>(() => CronExpression.Parse(expression));
        Assert.StartsWith($"Invalid cron expression '{expression}'", error.Message);
        Assert.Contains(reason, error.Message);
    }
}
