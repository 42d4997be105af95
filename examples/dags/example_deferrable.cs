// Deferrable tasks: a task that waits gives its worker slot back and defers itself on a trigger; the triggerer
// (`updraft triggerer`, also inside `updraft standalone`) waits on it and the task resumes, in the same try, in the
// method it named. Every sensor takes Deferrable = true and then waits in the triggerer instead of in a worker.
public sealed class ExampleDeferrable : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_deferrable", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "deferrable"],
        };

        const string Landing = "/tmp/updraft_example_deferrable";

        // Waits for the batch job's export in the triggerer (a FileTrigger), then pokes once more to return what it found.
        var landed = dag.FileSensor("wait_for_export", $"{Landing}/export_{{{{ ds_nodash }}}}.done").With(s =>
        {
            s.Deferrable = true;
            s.PokeInterval = TimeSpan.FromSeconds(1);
            s.Timeout = TimeSpan.FromMinutes(30);
            s.PriorityWeight = 10;
        });

        // An operator of your own that defers: the batch job it stands for takes a few seconds, then exports the file.
        var job = new WaitForBatchJob(dag, "wait_for_batch_job", Landing);

        // A task written as a lambda defers and runs again with the event: ctx.TriggerEvent tells the two runs apart.
        var cooled = dag.Task("cool_down", ctx =>
        {
            if (ctx.TriggerEvent is null)
            {
                ctx.Defer(DateTimeTrigger.After(TimeSpan.FromSeconds(1), ctx.Clock));
            }

            return $"cooled down until {ctx.TriggerEvent!.Payload}";
        });

        var report = dag.Task("report", async ctx =>
        {
            ctx.Log.Info($"export landed and {await ctx.XCom.PullAsync<string>("wait_for_batch_job")}");
        });
        landed.Then(report);
        job.Then(report);
        cooled.Then(report);

        yield return dag;
    }
}

/// <summary>Submits a job, defers until it should be done, then reports from its resume method.</summary>
public sealed class WaitForBatchJob(Dag dag, string taskId, string landing) : Operator(dag, taskId)
{
    public override Task<object?> ExecuteAsync(TaskContext ctx)
    {
        ctx.Log.Info("Submitted batch job 42; waiting for it without holding a worker slot.");
        ctx.Defer(DateTimeTrigger.After(TimeSpan.FromSeconds(2), ctx.Clock), nameof(Finished),
            timeout: TimeSpan.FromHours(1), kwargs: new JsonObject { ["job_id"] = 42 });
        return Task.FromResult<object?>(null);
    }

    public string Finished(TaskContext ctx, TriggerEvent @event)
    {
        Directory.CreateDirectory(landing);
        File.WriteAllText($"{landing}/export_{ctx.LogicalDate:yyyyMMdd}.done", "ready");
        return $"batch job {ctx.NextKwargs!["job_id"]} finished";
    }
}
