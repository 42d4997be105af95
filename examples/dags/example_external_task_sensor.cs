// Waiting for another DAG: the child's ExternalTaskSensor waits until the parent's task of the same logical date
// has succeeded (ExecutionDelta shifts the date when the two run on different schedules). In reschedule mode it
// frees its worker slot between checks; deferrable, it waits in the triggerer instead. A failed parent fails the
// sensor at once (FailedStates) rather than letting it wait until its timeout.
//
//   updraft dags unpause example_external_task_parent
//   updraft dags trigger example_external_task_parent -l 2025-03-01   (the scheduler runs it)
//   updraft dags test example_external_task_child 2025-03-01
public sealed class ExampleExternalTaskSensor : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var start = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var parent = new Dag("example_external_task_parent", schedule: "@daily", startDate: start)
        {
            Catchup = false,
            Tags = ["example", "sensors"],
        };
        parent.Task("export_orders", ctx => ctx.Log.Info($"exported the orders of {ctx.Ds}"));
        yield return parent;

        var child = new Dag("example_external_task_child", schedule: "@daily", startDate: start)
        {
            Catchup = false,
            Tags = ["example", "sensors"],
        };
        var exported = child.ExternalTask("wait_for_export", "example_external_task_parent", "export_orders").With(s =>
        {
            s.Mode = SensorMode.Reschedule;
            s.PokeInterval = TimeSpan.FromSeconds(30);
            s.Timeout = TimeSpan.FromHours(2);
            s.FailedStates = ["failed", "upstream_failed"];
        });
        exported.Then(child.Task("load_orders", ctx => ctx.Log.Info($"loading the orders the parent exported for {ctx.Ds}")));
        yield return child;
    }
}
