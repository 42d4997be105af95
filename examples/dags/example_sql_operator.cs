// SQL against a connection: a script split into statements, a query with parameters whose rows are the XCom, and a
// callable task that reads them. Needs a sqlite (or postgres) connection named example_sqlite, for instance:
//   updraft connections add example_sqlite --conn-uri sqlite:////tmp/updraft_example.db
public sealed class ExampleSqlOperator : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_sql_operator", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "sql"],
        };

        var load = dag.Sql("load", """
            CREATE TABLE IF NOT EXISTS sales (day TEXT, region TEXT, amount INTEGER);
            DELETE FROM sales WHERE day = '{{ ds }}';
            INSERT INTO sales VALUES ('{{ ds }}', 'eu', 120), ('{{ ds }}', 'us', 80), ('{{ ds }}', 'eu', 30)
            """, "example_sqlite").With(t => t.SplitStatements = true);

        // The SQL is a template; values that are not SQL go in as parameters.
        // Waits until the day's rows are there: a first cell of 0 (or no row) pokes again.
        var landed = dag.SqlSensor("wait_for_sales", "SELECT COUNT(*) FROM sales WHERE day = '{{ ds }}'", "example_sqlite").With(t =>
        {
            t.PokeInterval = TimeSpan.FromSeconds(5);
            t.Timeout = TimeSpan.FromHours(1);
        });

        var totals = dag.Sql("totals", "SELECT region, SUM(amount) FROM sales WHERE day = '{{ ds }}' AND amount >= @min_amount GROUP BY region ORDER BY region", "example_sqlite")
            .With(t => t.Parameters = new() { ["min_amount"] = 50 });

        var report = dag.Task("report", async ctx =>
        {
            var rows = await ctx.XCom.PullAsync<JsonArray>("totals") ?? [];
            foreach (var row in rows)
            {
                ctx.Log.Info($"{row![0]}: {row[1]}");
            }

            return rows.Count;
        });

        load.Then(landed).Then(totals).Then(report);
        yield return dag;
    }
}
