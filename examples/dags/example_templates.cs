// Templates: Airflow's Jinja expressions in Bash commands and environment values — dates of the run and its data
// interval, macros for date arithmetic and formats, filters, params and conf with defaults.
public sealed class ExampleTemplates : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        // A span schedule has data intervals (a day ending at each run); a plain cron string would not (ADR 0002).
        var dag = new Dag("example_templates", schedule: TimeSpan.FromDays(1), startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "templates"],
            Params = { ["table"] = new Param("orders") },
        };

        dag.Bash("dates", """
            echo "logical date {{ ds }} ({{ ds_nodash }}), interval {{ data_interval_start | ds }} to {{ data_interval_end | ds }}"
            echo "a week earlier {{ macros.ds_add(ds, -7) }}, as d/m/Y {{ macros.ds_format(ds, '%Y-%m-%d', '%d/%m/%Y') }}"
            echo "the day before the interval ends {{ (data_interval_end - macros.timedelta(days=1)) | ds }}"
            echo "partition {{ logical_date.strftime('%Y/%m/%d') }}"
            """);
        dag.Bash("names", "echo \"loading $TABLE into {{ params.table | upper }} for {{ dag_run.conf.region | default('all regions') }}\"")
            .With(t => t.Env = new() { ["TABLE"] = "staging_{{ params.table }}_{{ ds_nodash }}" });

        yield return dag;
    }
}
