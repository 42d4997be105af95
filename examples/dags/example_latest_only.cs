// Latest only: in a catch-up run (one whose next interval has already ended) the notification is skipped; in the
// latest scheduled run, and in any manual run, it is sent.
public sealed class ExampleLatestOnly : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_latest_only", schedule: TimeSpan.FromHours(4), startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "branching"],
        };

        var latestOnly = dag.LatestOnly("latest_only");
        var load = dag.Bash("load", "echo loading {{ data_interval_start }} to {{ data_interval_end }}");
        latestOnly.Then(dag.Bash("notify", "echo the newest data is in"));
        load.Then(dag.GetTask("notify"));

        yield return dag;
    }
}
