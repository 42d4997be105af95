// Trigger rules at work: one task succeeds, one fails, one skips, one needs a retry; downstream tasks
// react by their rules. The run still succeeds, because its only leaf (report, all_done) succeeds.
public sealed class ExampleTriggerRules : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_trigger_rules", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Tags = ["example"],
            Description = "Shows how each trigger rule reacts to success, failure and skips upstream.",
        };

        var succeed = dag.Bash("succeed", "echo ok");
        var fail = dag.Task("fail", (TaskContext ctx) => throw new InvalidOperationException("This task fails on purpose."));
        var skip = dag.Task("skip", (TaskContext ctx) => throw new TaskSkippedException("Nothing to do today."));
        var flaky = dag.Task("flaky", ctx =>
        {
            if (ctx.TryNumber == 1)
            {
                throw new TimeoutException("The first try fails; the retry succeeds.");
            }

            return ctx.TryNumber;
        }).With(t =>
        {
            t.Retries = 2;
            t.RetryDelay = TimeSpan.FromSeconds(1);
        });

        var report = dag.Empty("report").With(t => t.TriggerRule = TriggerRule.AllDone);

        void Downstream(string id, TriggerRule rule, params Operator[] upstream) =>
            new TaskSet(upstream).Then(dag.Empty(id).With(t => t.TriggerRule = rule)).Then(report);

        Downstream("all_success", TriggerRule.AllSuccess, succeed, fail);       // upstream_failed
        Downstream("one_failed", TriggerRule.OneFailed, succeed, fail);         // success
        Downstream("one_success", TriggerRule.OneSuccess, fail, succeed);       // success
        Downstream("all_done", TriggerRule.AllDone, succeed, fail, skip);       // success
        Downstream("none_failed", TriggerRule.NoneFailed, succeed, skip);       // success
        Downstream("none_skipped", TriggerRule.NoneSkipped, succeed, skip);     // skipped
        Downstream("all_skipped", TriggerRule.AllSkipped, skip);                // success
        Downstream("all_failed", TriggerRule.AllFailed, fail);                  // success
        Downstream("after_retry", TriggerRule.AllSuccess, flaky);               // success

        yield return dag;
    }
}
