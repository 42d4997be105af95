// Bash tasks: templated commands, a fan-in, and exit code 99 skipping a task (and, by all_success, its downstream).
public sealed class ExampleBashOperator : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_bash_operator", schedule: "0 0 * * *", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "bash"],
            DefaultArgs = new() { ExecutionTimeout = TimeSpan.FromMinutes(5) },
        };

        var runAfterLoop = dag.Empty("run_after_loop");
        for (var i = 0; i < 3; i++)
        {
            dag.Bash($"runme_{i}", $"echo \"{{{{ task_instance.task_id }}}}\" ran for {{{{ ds }}}} && sleep 0.1").Then(runAfterLoop);
        }

        var runThisLast = dag.Empty("run_this_last");
        dag.Chain(
            [runAfterLoop, dag.Bash("also_run_this", "echo \"ti_key={{ dag.dag_id }}__{{ task.task_id }}__{{ ds_nodash }}\""), dag.Bash("this_will_skip", "echo hello world; exit 99;")],
            runThisLast);

        yield return dag;
    }
}
