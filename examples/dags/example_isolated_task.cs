// Isolated tasks: a task that must not share a process with other tasks — a native library with global state, code
// that may crash its process, memory it never gives back — runs in a fresh process of its own (Isolated = true).
// Its XCom, variables, connections and log still go through the worker; a crash there fails only that task.
public sealed class ExampleIsolatedTask : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_isolated_task", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example"],
        };

        var rows = dag.Task("extract", ctx =>
        {
            ctx.Log.Info($"extract runs in process {Environment.ProcessId}");
            return new[] { 4, 8, 15, 16, 23, 42 };
        });

        var score = dag.Task("score_with_native_model", rows, (TaskContext ctx, int[] values) =>
        {
            // Stands for a library that keeps process-wide state: here, only this task's process is touched.
            Environment.SetEnvironmentVariable("MODEL_THREADS", "1");
            ctx.Log.Info($"scoring runs in its own process {Environment.ProcessId}");
            return values.Sum() / (double)values.Length;
        }).With(t => t.Isolated = true);

        dag.Task("publish", score, (TaskContext ctx, double mean) =>
            ctx.Log.Info($"mean score {mean} published from process {Environment.ProcessId}"));

        yield return dag;
    }
}
