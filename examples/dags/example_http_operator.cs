// HTTP: calls to an API through the connection http_default, for example
//   updraft connections add http_default --conn-uri 'https://api.example.com'
// The status call's JSON is checked and filtered into an XCom; the post sends a templated body; an error status
// (400 and up) fails the task with the status and the answer in its log.
public sealed class ExampleHttpOperator : IDagSource
{
    public IEnumerable<Dag> Build()
    {
        var dag = new Dag("example_http_operator", schedule: "@daily", startDate: new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero))
        {
            Catchup = false,
            Tags = ["example", "http"],
        };

        // Waits for the service to say it is ready: a 404 or a failed check pokes again; in reschedule mode the worker
        // slot is free between pokes.
        var ready = dag.HttpSensor("wait_until_ready", "status").With(t =>
        {
            t.ResponseCheck = r => r.Json()?["ready"]?.GetValue<bool>() == true;
            t.Mode = SensorMode.Reschedule;
            t.PokeInterval = TimeSpan.FromSeconds(1);
            t.Timeout = TimeSpan.FromMinutes(30);
        });

        var status = dag.Http("get_status", "status", method: "GET").With(t =>
        {
            t.ResponseCheck = r => r.Json()?["ready"]?.GetValue<bool>() == true;
            t.ResponseFilter = r => r.Json()?["version"]?.GetValue<string>();
        });
        var post = dag.Http("post_report", "reports").With(t =>
        {
            t.Data = "{\"day\": \"{{ ds }}\", \"run\": \"{{ run_id }}\"}";
            t.Headers = new() { ["Content-Type"] = "application/json" };
            t.LogResponse = true;
        });
        ready.Then(status).Then(post);

        yield return dag;
    }
}
