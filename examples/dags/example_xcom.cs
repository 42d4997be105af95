// XCom by hand: push values under keys, pull them in other tasks; a Bash task's last output line is its XCom.
public sealed class ExampleXCom : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_xcom", schedule: "@once", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example"],
        };

        var push = dag.Task("push", async ctx =>
        {
            await ctx.XCom.PushAsync("values", new[] { 1, 2, 3 });
            await ctx.XCom.PushAsync("source", "example_xcom");
        });
        var bashPush = dag.Bash("bash_push", "echo 'the first line'; echo \"pushed by bash on {{ ds }}\"");
        var pull = dag.Task("pull", async ctx =>
        {
            var values = await ctx.XCom.PullAsync<int[]>("push", "values") ?? throw new InvalidOperationException("No values were pushed.");
            var fromBash = await ctx.XCom.PullAsync<string>("bash_push");
            ctx.Log.Info($"Pulled {string.Join(",", values)} from push and '{fromBash}' from bash_push");
            return values.Sum();
        });

        new TaskSet { push, bashPush }.Then(pull);
        yield return dag;
    }
}
