// Waiting for a moment relative to the data: a TimeDeltaSensor waits until a delta after the run's data interval
// ends — here the @daily run of midnight waits until 01:00, when the day's late records have arrived. In reschedule
// mode it gives its worker slot back between checks; deferrable, it waits in the triggerer (Airflow's
// TimeDeltaSensorAsync) and holds no slot at all. A run whose moment has passed (`dags test` of an old date) goes on.
public sealed class ExampleTimeDeltaSensor : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_time_delta_sensor", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "sensors"],
        };

        var lateRecords = dag.TimeDeltaSensor("wait_for_late_records", TimeSpan.FromHours(1)).With(s =>
        {
            s.Mode = SensorMode.Reschedule;
            s.PokeInterval = TimeSpan.FromMinutes(5);
            s.Timeout = TimeSpan.FromHours(6);
        });

        var settled = dag.TimeDeltaSensor("wait_in_the_triggerer", TimeSpan.FromMinutes(90)).With(s => s.Deferrable = true);

        var close = dag.Task("close_the_day", ctx => ctx.Log.Info($"closing {ctx.Ds}: late records were waited for until {ctx.DagRun.DataInterval.End + TimeSpan.FromHours(1):yyyy-MM-dd HH:mm} UTC"));
        lateRecords.Then(close);
        settled.Then(close);
        yield return dag;
    }
}
