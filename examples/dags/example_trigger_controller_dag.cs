// Cross-DAG, the trigger side (Airflow's example_trigger_controller_dag): starts a run of
// example_trigger_target_dag with a message in its conf. Set WaitForCompletion to wait for that run to end.
public sealed class ExampleTriggerControllerDag : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_trigger_controller_dag", schedule: "@once", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example", "cross_dag"],
        };

        dag.TriggerDagRun("test_trigger_dagrun", "example_trigger_target_dag").With(t =>
        {
            t.TriggerRunId = "triggered_by_{{ run_id }}";
            t.Conf = new JsonObject { ["message"] = "Hello from the controller, run of {{ ds }}" };
        });

        yield return dag;
    }
}
