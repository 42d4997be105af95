// Email: the day's summary sent through the SMTP connection smtp_default. Define it first, for example
//   updraft connections add smtp_default --conn-uri 'smtp://mail.example.com:587?from_email=updraft%40example.com&disable_ssl=true'
// (disable_ssl=true: a plain connection upgraded with STARTTLS; add disable_tls=true for a server without TLS).
public sealed class ExampleEmailOperator : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_email_operator", schedule: "0 7 * * *", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "email"],
            Params = { ["recipients"] = new Param("team@example.com") { Description = "Who gets the summary (comma separated)." } },
        };

        var export = dag.Bash("export_orders", "echo exported the orders of {{ ds }}");
        export.Then(dag.Email(
            "send_summary",
            to: "{{ params.recipients }}",
            subject: "Orders for {{ ds }}",
            htmlContent: "<h3>Orders for {{ ds }}</h3><p>The orders of {{ ds }} are exported (run {{ run_id }}).</p>"));

        yield return dag;
    }
}
