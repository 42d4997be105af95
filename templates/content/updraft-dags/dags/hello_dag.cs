// A DAG file: public classes implementing IDagSource. Updraft compiles each file in dags/ on its own.
public sealed class HelloDag : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("hello", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example"],
        };

        var numbers = dag.Task("numbers", ctx => new[] { 1, 2, 3 });
        var total = dag.Task("total", numbers, (int[] n) => n.Sum());
        total.Then(dag.Bash("report", "echo total computed for {{ ds }}"));
        yield return dag;
    }
}
