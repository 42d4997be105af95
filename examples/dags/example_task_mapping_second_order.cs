// Mapping over a mapped task (Airflow's example_task_mapping_second_order): get_nums returns a list, times_2 runs
// once per number, add_10 once per result of times_2, and total receives every result, in map-index order.
public sealed class ExampleTaskMappingSecondOrder : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_task_mapping_second_order", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example", "mapping"],
        };

        var nums = dag.Task("get_nums", ctx => new[] { 1, 2, 3 });
        var doubled = dag.Map("times_2", nums, (int num) => num * 2);
        var added = dag.Map("add_10", doubled, (int num) => num + 10);
        dag.Task("total", added, (TaskContext ctx, int[] all) =>
        {
            ctx.Log.Info($"add_10 returned {string.Join(", ", all)}; total {all.Sum()}");
            return all.Sum();
        });

        yield return dag;
    }
}
