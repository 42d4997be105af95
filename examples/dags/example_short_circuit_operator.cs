// Short-circuits: a false condition skips what follows. With the default (ignore downstream trigger rules) every
// task after it is skipped; with ignoreDownstreamTriggerRules: false only the next task is, and the rest follow
// their own trigger rules — here an all_done task still runs.
public sealed class ExampleShortCircuitOperator : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_short_circuit_operator", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "branching"],
        };

        dag.ShortCircuit("condition_is_true", _ => true)
            .Then(dag.Empty("true_1"))
            .Then(dag.Empty("true_2"));

        dag.ShortCircuit("condition_is_false", _ => false)
            .Then(dag.Empty("false_1"))
            .Then(dag.Empty("false_2"));

        dag.ShortCircuit("weekday_only", ctx => ctx.LogicalDate.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday), ignoreDownstreamTriggerRules: false)
            .Then(dag.Bash("weekday_report", "echo report for {{ ds }}"))
            .Then(dag.Bash("cleanup", "echo cleanup").With(t => t.TriggerRule = TriggerRule.AllDone));

        yield return dag;
    }
}
