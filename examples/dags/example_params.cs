// Params: typed values with defaults and rules, overridable per run with --conf.
public sealed class ExampleParams : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_params", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example", "params"],
            Params =
            {
                ["rows"] = new Param(10) { Minimum = 1, Maximum = 100, Description = "How many rows to produce." },
                ["greeting"] = new Param("hello") { MinLength = 1, Description = "What to say." },
                ["mode"] = new Param("full") { Enum = ["full", "incremental"] },
            },
        };

        var produce = dag.Task("produce", ctx =>
        {
            var rows = ctx.Params.Get<int>("rows");
            ctx.Log.Info($"Producing {rows} rows in {ctx.Params.Get<string>("mode")} mode");
            return Enumerable.Range(1, rows).ToArray();
        });
        var greet = dag.Bash("greet", "echo '{{ params.greeting }}, {{ params.rows }} rows ({{ params.mode }})'");
        dag.Chain(produce, greet);
        yield return dag;
    }
}
