// Mapped task groups: the tasks of a group expanded together, one instance per element of a list — here per region.
// Instance i of each task gets element i and waits only for instance i upstream in the group, so one region's
// load runs while another region still extracts. Tasks outside the group collect every instance's result.
public sealed class ExampleMappedTaskGroup : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_mapped_task_group", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example", "task_group", "mapping"],
        };

        var regions = dag.Task("list_regions", ctx => new[] { "emea", "amer", "apac" });

        ITaskResult<int[]>? loaded = null;
        var perRegion = dag.MapGroup("per_region", regions, (group, region) =>
        {
            var orders = dag.Task("extract", region, (TaskContext ctx, string name) =>
            {
                var count = name.Length * 100 + ctx.MapIndex;
                ctx.Log.Info($"extracted {count} orders for {name}");
                return count;
            });

            var load = dag.Task("load", region, orders, (TaskContext ctx, string name, int count) =>
            {
                ctx.Log.Info($"loaded {count} orders into sales_{name} (instance {ctx.MapIndex})");
                return count;
            });

            load.Then(dag.Bash("vacuum", "echo vacuum region {{ ti.map_index }} of {{ ds }}"));
            loaded = group.Collect(load);
        }, tooltip: "Extract and load one region");

        dag.Task("report", loaded!, (TaskContext ctx, int[] counts) =>
            ctx.Log.Info($"loaded {counts.Sum()} orders in {counts.Length} regions"));

        yield return dag;
    }
}
