// Setup and teardown: a cluster is created before the work and deleted after it, whether the work succeeds or
// fails. The teardown's own outcome does not decide the run's (unless OnFailureFailDagRun is set); the work's does.
// Trigger with conf {"fail_work": true} to watch the teardown run after a failure.
public sealed class ExampleSetupTeardown : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_setup_teardown", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "setup_teardown"],
            Params = { ["fail_work"] = new Param(false) { Description = "Make the work fail, to see the teardown still run." } },
        };

        var create = dag.Bash("create_cluster", "echo creating cluster for {{ ds }}");
        var work = dag.Task("run_query", ctx =>
        {
            if (ctx.Params.Get<bool>("fail_work"))
            {
                throw new InvalidOperationException("The query failed on the cluster.");
            }

            ctx.Log.Info("Query ran on the cluster");
        });
        var delete = dag.Bash("delete_cluster", "echo deleting cluster").AsTeardown(create);
        create.Then(work).Then(delete);

        yield return dag;
    }
}
