// Callbacks: code that runs when a task starts, succeeds, fails, retries or skips itself, and when a run ends.
// Callbacks run after the state is kept and never change it: one that throws is only logged. For alerts, put a
// notifier in a callback list: new EmailNotifier("oncall@example.com"), new WebhookNotifier("chat_webhook").
public sealed class ExampleCallbacks : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_callbacks", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "callbacks"],
            Description = "Task and DAG callbacks, from DefaultArgs and on single tasks.",

            // Every task without callbacks of its own reports its failures this way.
            DefaultArgs = { OnFailure = { ctx => ctx.Log.Error($"ALERT: {ctx.TaskId} failed: {ctx.Reason}") } },

            // Once per run, when it ends (the DAG processor runs these; dags test runs them at the end).
            OnSuccess = { ctx => ctx.Log.Info($"Run {ctx.RunId} succeeded: publish the day's report") },
            OnFailure = { ctx => ctx.Log.Error($"Run {ctx.RunId} failed: page the on-call engineer") },
        };

        var extract = dag.Task("extract", ctx => new[] { 3, 1, 4, 1, 5 }).With(t =>
        {
            t.OnExecute.Add(ctx => ctx.Log.Info($"Starting try {ctx.TaskInstance!.TryNumber} of {ctx.TaskId}"));
            t.OnSuccess.Add(ctx => ctx.Log.Info($"{ctx.TaskId} succeeded"));
        });

        // Fails on its first try: the retry callback fires, then the retry succeeds.
        var flaky = dag.Task("flaky_load", extract, (TaskContext ctx, int[] rows) =>
        {
            if (ctx.TryNumber == 1)
            {
                throw new TimeoutException("The warehouse did not answer in time.");
            }

            return rows.Sum();
        }).With(t =>
        {
            t.Retries = 1;
            t.RetryDelay = TimeSpan.FromSeconds(1);
            t.OnRetry.Add(ctx => ctx.Log.Warning($"{ctx.TaskId} will be retried after: {ctx.Reason}"));
        });

        // Skips itself on weekends; its skipped callback says so.
        var weekdayReport = dag.Task("weekday_report", ctx =>
        {
            if (ctx.LogicalDate.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday)
            {
                throw new TaskSkippedException("No report on weekends.");
            }
        }).With(t => t.OnSkipped.Add(ctx => ctx.Log.Info($"{ctx.TaskId} skipped: {ctx.Reason}")));

        flaky.Then(weekdayReport);
        yield return dag;
    }
}
