// Human in the loop: tasks that ask a person and wait — without holding a worker — for the answer, given through
// the REST API (PATCH /api/v2/hitlDetails/{dag_id}/{run_id}/{task_id}). The answer (options chosen, values entered,
// who answered and when) is the task's result, passed downstream. Past the response timeout the defaults are taken.
// The timeouts here are seconds so that `updraft dags test` finishes on its own; a real approval waits hours.
public sealed class ExampleHitl : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_hitl", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "hitl"],
        };

        var report = dag.Task("build_report", ctx => $"report for {ctx.Ds}: 3 regions");

        // Approve goes on; Reject skips everything downstream.
        var approval = dag.Approval("approve_report", "Publish the report for {{ ds }}?").With(t =>
        {
            t.Body = "The report is ready. Approve to publish it to the partners.";
            t.Defaults = [ApprovalOperator.Approve];
            t.ResponseTimeout = TimeSpan.FromSeconds(3);
        });

        // A choice among options, with values to enter.
        var channel = dag.HumanChoice("choose_channel", "Where should it go?", ["email", "sftp", "both"]).With(t =>
        {
            t.Params = new JsonObject { ["recipients"] = "partners@example.com" };
            t.Defaults = ["email"];
            t.ResponseTimeout = TimeSpan.FromSeconds(3);
        });

        dag.Task("publish", channel, (TaskContext ctx, JsonObject answer) =>
        {
            var done = $"published via {answer["chosen_options"]![0]} to {answer["params_input"]!["recipients"]} (chosen by {answer["responded_by"] ?? "default"})";
            ctx.Log.Info(done);
            return done;
        });

        // Values to enter (Airflow's HITLEntryOperator): the only option is OK; the fields keep their defaults unless
        // the person changes them.
        var limits = dag.HumanEntry("enter_limits", "Limits for the {{ ds }} report", new JsonObject { ["max_rows"] = 1000, ["note"] = "none" }).With(t =>
        {
            t.ResponseTimeout = TimeSpan.FromSeconds(3);
        });

        dag.Task("apply_limits", limits, (TaskContext ctx, JsonObject answer) =>
        {
            var when = answer["responded_by"] is null ? "by default" : $"by {answer["responded_by"]} at {answer["responded_at"]}";
            var applied = $"at most {answer["params_input"]!["max_rows"]} rows, note '{answer["params_input"]!["note"]}' (entered {when})";
            ctx.Log.Info(applied);
            return applied;
        });

        report.Then(approval);
        approval.Then(channel);
        report.Then(limits);
        yield return dag;
    }
}
