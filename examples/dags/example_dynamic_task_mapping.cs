// Dynamic task mapping: a task expanded at run time into one instance per element of a list — the result of an
// upstream task, a literal list, a cross product or a zip of lists, or the collected results of another mapped
// task. Each instance runs, retries and logs on its own; the task after them receives all results, typed.
public sealed class ExampleDynamicTaskMapping : IDagSource
{
    public sealed record Order(string Region, int Id, decimal Amount);

    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_dynamic_task_mapping", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "mapping"],
        };

        // One instance per region the upstream task finds (their number is known only at run time).
        var regions = dag.Task("list_regions", ctx => new[] { "eu", "us", "apac" });
        var orders = dag.Map("extract", regions, (TaskContext ctx, string region) =>
        {
            ctx.Log.Info($"map_index {ctx.MapIndex}: extracting {region} for {ctx.Ds}");
            return new Order(region, region.Length, region.Length * 10m);
        });

        // Mapping over a mapped task's results: one instance per extracted order.
        var taxed = dag.Map("add_tax", orders, (Order o) => o with { Amount = o.Amount * 1.2m });

        // The instances' results arrive collected, in map-index order, as a typed array.
        dag.Task("report", taxed, (TaskContext ctx, Order[] all) =>
        {
            ctx.Log.Info($"{all.Length} orders, total {all.Sum(o => o.Amount)}");
            return all.Sum(o => o.Amount);
        });

        // A Bash command per region (Airflow's BashOperator.partial().expand(bash_command=…)); each command is a template.
        dag.MapBash("archive", regions, region => $"echo archiving {region} for {{{{ ds }}}}");

        // A literal list crossed with the regions: every (region, hour) pair.
        dag.Map("check_hours", MapInput.Over(regions).Product(MapInput.Over(new[] { 0, 12 })), ((string Region, int Hour) slot) => $"{slot.Region}@{slot.Hour:00}");

        yield return dag;
    }
}
