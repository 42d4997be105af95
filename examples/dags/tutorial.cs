// The tutorial: extract >> transform >> load, passing typed values from task to task.
public sealed class Tutorial : IDagSource
{
    public sealed record Order(int Id, decimal Amount);

    public sealed record Summary(int Count, decimal Total);

    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("tutorial", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example"],
            Description = "Extract orders, sum them, report the total.",
            DocMd = "# Tutorial\nEach task returns a value; the next task receives it as a typed argument.",
            DefaultArgs = new() { Owner = "updraft", Retries = 1, RetryDelay = TimeSpan.FromSeconds(5) },
        };

        var extract = dag.Task("extract", ctx =>
        {
            ctx.Log.Info($"Extracting orders for {ctx.Ds}");
            return new[] { new Order(1001, 301.27m), new Order(1002, 433.21m), new Order(1003, 502.22m) };
        });
        var transform = dag.Task("transform", extract, (Order[] orders) => new Summary(orders.Length, orders.Sum(o => o.Amount)));
        dag.Task("load", transform, (TaskContext ctx, Summary summary) =>
            ctx.Log.Info($"Total order value is {summary.Total:0.00} over {summary.Count} orders"));

        yield return dag;
    }
}
