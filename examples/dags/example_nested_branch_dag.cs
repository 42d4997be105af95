// Nested branches (Airflow's example_nested_branch_dag): a branch inside the path another branch chose. Each join
// uses none_failed_min_one_success, so it runs after whichever path was taken and skips only when none was.
public sealed class ExampleNestedBranchDag : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_nested_branch_dag", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "branching"],
        };

        var branch1 = dag.Branch("branch_1", ctx => "true_1");
        var join1 = dag.Empty("join_1").With(t => t.TriggerRule = TriggerRule.NoneFailedMinOneSuccess);
        var true1 = dag.Empty("true_1");
        var false1 = dag.Empty("false_1");

        var branch2 = dag.Branch("branch_2", ctx => "true_2");
        var join2 = dag.Empty("join_2").With(t => t.TriggerRule = TriggerRule.NoneFailedMinOneSuccess);
        var true2 = dag.Empty("true_2");
        var false2 = dag.Empty("false_2");
        var false3 = dag.Empty("false_3");

        branch1.Then([true1, false1]);
        true1.Then(branch2);
        branch2.Then(true2).Then(join2);
        branch2.Then(false2).Then(false3).Then(join2);
        join2.Then(join1);
        false1.Then(join1);

        yield return dag;
    }
}
