// Branching: a branch task picks the path for the day; the other paths are skipped, and the join after them still
// runs because its trigger rule (none_failed_min_one_success) accepts skipped upstream tasks.
public sealed class ExampleBranchOperator : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_branch_operator", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "branching"],
            Description = "Follows one of three paths, chosen from the run's logical date.",
        };

        string[] options = ["branch_a", "branch_b", "branch_c"];

        // The day of the month picks the path, so a run of the same date always takes the same one.
        var branching = dag.Branch("branching", ctx => options[ctx.LogicalDate.Day % options.Length]);
        var join = dag.Empty("join").With(t => t.TriggerRule = TriggerRule.NoneFailedMinOneSuccess);
        foreach (var option in options)
        {
            branching
                .Then(dag.Empty(option))
                .Then(dag.Bash($"follow_{option}", $"echo following {option} on {{{{ ds }}}}"))
                .Then(join);
        }

        yield return dag;
    }
}
