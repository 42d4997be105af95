using Acme.Warehouse;

// Shared code: helpers in dags/_shared (see Warehouse.cs there) used by this DAG file, in the worker and in a task
// that runs in a process of its own alike.
public sealed class ExampleSharedCode : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_shared_code", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example"],
        };

        var staged = dag.Task("stage", ctx => Tables.Daily.Select(Tables.Staging).ToArray());

        var published = dag.Task("publish", staged, (TaskContext ctx, string[] tables) =>
        {
            ctx.Log.Info($"publishing {tables.Length} staged tables");
            return tables.Select(t => Tables.Reporting(t["staging.".Length..])).ToArray();
        }).With(t => t.Isolated = true);

        StandardTasks.Announce(dag, published);

        yield return dag;
    }
}
