// Cross-DAG, the target side (Airflow's example_trigger_target_dag): no schedule of its own; each run reads the
// message its trigger put in the conf, in a C# task and in a Bash command.
public sealed class ExampleTriggerTargetDag : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_trigger_target_dag", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example", "cross_dag"],
        };

        dag.Task("run_this", ctx => ctx.Log.Info($"Remotely received value of {ctx.Conf["message"]} for key=message"))
            .Then(dag.Bash("bash_task", "echo \"Here is the message: $message\"")
                .With(t => t.Env = new() { ["message"] = "{{ dag_run.conf.message | default('none') }}" }));

        yield return dag;
    }
}
