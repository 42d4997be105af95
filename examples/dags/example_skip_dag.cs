// Skips and trigger rules (Airflow's example_skip_dag): a skipped task skips the all_success tasks after it, while a
// one_success join still runs when another path succeeded.
public sealed class ExampleSkipDag : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_skip_dag", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example"],
        };

        foreach (var (prefix, skip) in new[] { ("always_true", false), ("always_skip", true) })
        {
            var start = dag.Task($"{prefix}_start", ctx =>
            {
                if (skip)
                {
                    throw new TaskSkippedException("This path is skipped on purpose.");
                }
            });
            var ok = dag.Empty($"{prefix}_ok");
            var join = dag.Empty($"{prefix}_join").With(t => t.TriggerRule = TriggerRule.AllSuccess);
            var final = dag.Empty($"{prefix}_final").With(t => t.TriggerRule = TriggerRule.OneSuccess);
            start.Then(ok).Then(join);
            start.Then(final);
            ok.Then(final);
        }

        yield return dag;
    }
}
