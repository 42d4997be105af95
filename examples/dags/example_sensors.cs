// Sensors: tasks that wait for something — a file, a moment, any condition written in C#. A sensor in reschedule
// mode gives its worker slot back between pokes (state up_for_reschedule), so waiting costs no slot; in poke mode
// (the default) it waits inside its try. Past its timeout a sensor fails without retrying, or with SoftFail skips.
public sealed class ExampleSensors : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_sensors", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "sensors"],

            // A run still waiting an hour after it was queued calls this once, while it goes on waiting.
            Deadline = new DeadlineAlert(DeadlineReference.DagRunQueuedAt, TimeSpan.FromHours(1), new CallbackList
            {
                ctx => ctx.Log.Warning($"Run {ctx.RunId} is late: {ctx.Reason}"),
            }),
        };

        const string Landing = "/tmp/updraft_example_sensors";

        // Stands for a partner delivering the day's file.
        dag.Bash("deliver", $"mkdir -p {Landing} && printf 'id\\n1\\n2\\n3\\n' > {Landing}/orders_{{{{ ds_nodash }}}}.csv");

        var landed = dag.FileSensor("wait_for_orders", $"{Landing}/orders_{{{{ ds_nodash }}}}.csv").With(s =>
        {
            s.Mode = SensorMode.Reschedule;
            s.PokeInterval = TimeSpan.FromSeconds(1);
            s.Timeout = TimeSpan.FromMinutes(10);
        });

        var afterInterval = dag.DateTimeSensor("after_interval_end", "{{ data_interval_end }}");

        var rows = dag.Sensor("rows_ready", ctx =>
        {
            var path = $"{Landing}/orders_{ctx.LogicalDate:yyyyMMdd}.csv";
            var count = File.Exists(path) ? File.ReadAllLines(path).Length - 1 : 0;
            ctx.Log.Info($"{count} rows so far");
            return count > 0 ? new PokeResult<int>(true, count) : new PokeResult<int>(false);
        }).With(s =>
        {
            s.PokeInterval = TimeSpan.FromSeconds(1);
            s.ExponentialBackoff = true;
            s.MaxWait = TimeSpan.FromSeconds(30);
        });

        landed.Then(rows);
        afterInterval.Then(rows);
        dag.Task("load", rows, (TaskContext ctx, int count) => ctx.Log.Info($"loading {count} orders"));

        yield return dag;
    }
}
