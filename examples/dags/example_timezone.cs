// Time zones: a weekday report at 09:30 in Zurich, summer and winter alike. The schedule is read in the DAG's time
// zone; logical dates and data intervals are stored in UTC, and templates print them in UTC (ISO 8601).
public sealed class ExampleTimezone : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_timezone", schedule: "30 9 * * 1-5", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            TimeZone = "Europe/Zurich",
            Catchup = false,
            Tags = ["example", "schedules"],
            Description = "Weekdays at 09:30 Europe/Zurich (08:30 UTC in winter, 07:30 UTC in summer).",
        };

        dag.Task("report", ctx =>
        {
            var zurich = TimeZoneInfo.FindSystemTimeZoneById("Europe/Zurich");
            var local = TimeZoneInfo.ConvertTime(ctx.DataIntervalEnd, zurich);
            ctx.Log.Info($"Data up to {ctx.DataIntervalEnd:yyyy-MM-dd HH:mm} UTC, {local:yyyy-MM-dd HH:mm} in Zurich");
        });

        yield return dag;
    }
}
