using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Updraft.Core.Dags;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Execution.Testing;
using Updraft.Providers;
using Updraft.Tests.Shared;

namespace Updraft.Scheduling.Tests;

/// <summary>
/// Task and DAG callbacks and the built-in notifiers in <c>dag.Test()</c>, with a real SMTP server (aiosmtpd) and a
/// real HTTP server for the webhook. The same callbacks in worker processes are in <see cref="SchedulerTests"/>.
/// </summary>
public sealed class CallbackTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Date = new(2025, 1, 2, 0, 0, 0, TimeSpan.Zero);

    private readonly List<string> _log = [];
    private readonly List<string> _posts = [];
    private readonly SmtpTestServer _smtp = new();
    private WebApplication? _server;

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _server = builder.Build();
        _server.MapPost("/hooks/ops", async (HttpContext http) =>
        {
            var body = await new StreamReader(http.Request.Body).ReadToEndAsync();
            lock (_posts)
            {
                _posts.Add($"{http.Request.ContentType}|{body}");
            }

            return Results.Ok();
        });
        _server.MapPost("/hooks/broken", () => Results.StatusCode(503));
        await _server.StartAsync();
    }

    public async Task DisposeAsync()
    {
        _smtp.Dispose();
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }

    private DagTestResult Run(Dag dag) => dag.Test(Date, options: new DagTestOptions
    {
        Log = new LineSink(_log),
        Connections = new EnvironmentSecrets(new Dictionary<string, string>
        {
            ["UPDRAFT_CONN_SMTP_DEFAULT"] = _smtp.ConnectionUri("alerts@example.com"),
            ["UPDRAFT_CONN_CHAT"] = _server!.Urls.First(),
        }),
    });

    [Fact]
    public void TaskCallbacks_FireForEachOutcome_RetryThenFailure_ExecuteOnEveryTry_DefaultsFromTheDag()
    {
        var fired = new List<string>();
        void Record(CallbackContext c) => fired.Add($"{c.TaskId}:{c.Event}:{c.State!.Value.ToWireName()}:{c.TaskInstance!.TryNumber}");
        var dag = new Dag("callbacks") { DefaultArgs = { OnFailure = { Record } } };
        dag.Task("ok", _ => 1).With(t =>
        {
            t.OnExecute.Add(Record);
            t.OnSuccess.Add(Record);
        });
        dag.Task("flaky", new Func<TaskContext, object?>(_ => throw new InvalidOperationException("disk full"))).With(t =>
        {
            t.Retries = 1;
            t.RetryDelay = TimeSpan.Zero;
            t.OnExecute.Add(Record);
            t.OnRetry.Add(Record);
            t.OnFailure.Add(c => fired.Add($"flaky:own failure callback:{c.Reason}"));
        });
        dag.Task("defaults", new Func<TaskContext, object?>(_ => throw new InvalidOperationException("no")));
        dag.Task("skipper", new Func<TaskContext, object?>(_ => throw new TaskSkippedException("nothing to do today"))).With(t => t.OnSkipped.Add(Record));

        var result = Run(dag);

        // The retry runs in a later pass than the other tasks' first tries: compare each task's callbacks in order.
        Assert.Equal(
            [
                "defaults:on_failure_callback:failed:1",
                "flaky:on_execute_callback:running:1", "flaky:on_retry_callback:up_for_retry:1",
                "flaky:on_execute_callback:running:2", "flaky:own failure callback:InvalidOperationException: disk full",
                "ok:on_execute_callback:running:1", "ok:on_success_callback:success:1",
                "skipper:on_skipped_callback:skipped:1",
            ],
            fired.OrderBy(f => f[..f.IndexOf(':', StringComparison.Ordinal)], StringComparer.Ordinal));
        Assert.Equal(TaskInstanceState.Skipped, result.TaskStates["skipper"]);
    }

    [Fact]
    public void ACallbackThatThrows_IsLogged_TheNextStillRuns_AndNoStateChanges()
    {
        var ran = new List<string>();
        var dag = new Dag("throwing") { OnSuccess = { _ => throw new InvalidOperationException("dag callback broke"), c => ran.Add("dag " + c.RunState!.Value.ToWireName()) } };
        dag.Task("work", _ => 1).With(t =>
        {
            t.OnExecute.Add(_ => throw new InvalidOperationException("execute callback broke"));
            t.OnSuccess = new CallbackList { _ => throw new InvalidOperationException("success callback broke"), _ => ran.Add("second success callback") };
        });

        var result = Run(dag);

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Equal(TaskInstanceState.Success, result.TaskStates["work"]);
        Assert.Equal(["second success callback", "dag success"], ran);
        Assert.Contains("Error when executing on_execute_callback (callback): InvalidOperationException: execute callback broke", _log);
        Assert.Contains("Error when executing on_success_callback (callback): InvalidOperationException: success callback broke", _log);
        Assert.Contains("Error when executing on_success_callback (callback): InvalidOperationException: dag callback broke", _log);
    }

    [Fact]
    public void DagFailureCallback_AndNotifiers_EmailThroughARealSmtpServer_AndPostToAWebhook()
    {
        var dag = new Dag("notified")
        {
            OnFailure =
            {
                new EmailNotifier("oncall@example.com, lead@example.com"),
                new WebhookNotifier("chat") { Endpoint = "hooks/ops", Text = "{{ dag.dag_id }} {{ state }} on {{ ds }}: {{ reason }}" },
            },
        };
        dag.Task("load", new Func<TaskContext, object?>(_ => throw new InvalidOperationException("table locked"))).With(t =>
            t.OnFailure.Add(new EmailNotifier("owner@example.com") { HtmlContent = "<b>{{ ti.task_id }}</b> failed: {{ exception }}" }));

        var result = Run(dag);

        Assert.Equal(DagRunState.Failed, result.State);
        var mails = _smtp.Messages().Select(m => MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(m)))).ToList();
        Assert.True(mails.Count == 2, string.Join("\n", _log));
        var task = mails.Single(m => m.To.ToString() == "owner@example.com");
        Assert.Equal("DAG notified - Task load - Run ID manual__2025-01-02T00:00:00+00:00 in State failed", task.Subject);
        Assert.Equal("alerts@example.com", task.From.ToString());
        Assert.Equal("<b>load</b> failed: InvalidOperationException: table locked", task.HtmlBody?.TrimEnd());
        var run = mails.Single(m => m.To.ToString() != "owner@example.com");
        Assert.Equal("oncall@example.com, lead@example.com", run.To.ToString());
        Assert.Equal("DAG notified - Run ID manual__2025-01-02T00:00:00+00:00 in State failed", run.Subject);
        Assert.Equal(["application/json|{\"text\":\"notified failed on 2025-01-02: task_failure\"}"], _posts);
    }

    [Fact]
    public void EmailOperator_SendsTemplatedMail_AndAFailingNotifierOrServerIsClear()
    {
        var dag = new Dag("mail") { OnSuccess = { new WebhookNotifier("chat") { Endpoint = "hooks/broken" } } };
        dag.Email("report", "team@example.com", "Report for {{ ds }}", "<p>{{ params.rows }} rows</p>").With(t => t.Cc = "boss@example.com");
        dag.Email("nowhere", "team@example.com", "x", "y", connId: "no_smtp");
        dag.Email("bad_address", "team@example.com, not-an-address", "x", "y");
        dag.Params["rows"] = new Param(12);

        var result = Run(dag);

        Assert.True(result.TaskStates["report"] == TaskInstanceState.Success, string.Join("\n", _log));
        var mail = MimeKit.MimeMessage.Load(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Assert.Single(_smtp.Messages()))));
        Assert.Equal("Report for 2025-01-02", mail.Subject);
        Assert.Equal("<p>12 rows</p>", mail.HtmlBody?.TrimEnd());
        Assert.Equal("boss@example.com", mail.Cc.ToString());
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["nowhere"]);
        Assert.Contains(_log, l => l.Contains("The connection 'no_smtp' is not defined", StringComparison.Ordinal));
        Assert.Equal(TaskInstanceState.Failed, result.TaskStates["bad_address"]);
        Assert.Contains(_log, l => l.Contains("'not-an-address' in to is not an email address.", StringComparison.Ordinal));

        // The run failed (nowhere), so the success webhook never fired; a failing webhook is shown by its own test below.
        Assert.Empty(_posts);
    }

    [Fact]
    public void TheReasonACallbackGets_HasTheTrysSecretsMasked()
    {
        string? reason = null;
        var dag = new Dag("leaky");
        dag.Task("connect", async (TaskContext ctx) =>
        {
            var conn = await ctx.Connections.GetAsync("smtp_default");
            throw new InvalidOperationException($"login refused for {conn!.Login}:{conn.Password}");
        }).With(t => t.OnFailure.Add(c => reason = c.Reason));
        var withPassword = new Dictionary<string, string> { ["UPDRAFT_CONN_SMTP_DEFAULT"] = "smtp://mailer:Hunter2Secret@127.0.0.1:25" };

        dag.Test(Date, options: new DagTestOptions { Log = new LineSink(_log), Connections = new EnvironmentSecrets(withPassword) });

        Assert.Equal("InvalidOperationException: login refused for mailer:***", reason);
        Assert.DoesNotContain(_log, l => l.Contains("Hunter2Secret", StringComparison.Ordinal));
    }

    [Fact]
    public void AWebhookAnsweringAnError_IsLoggedAsTheCallbacksError_TheRunStillSucceeds()
    {
        var dag = new Dag("hooked") { OnSuccess = { new WebhookNotifier("chat") { Endpoint = "hooks/broken" } } };
        dag.Task("work", _ => 1);

        var result = Run(dag);

        Assert.Equal(DagRunState.Success, result.State);
        Assert.Contains(_log, l => l.StartsWith("Error when executing on_success_callback (WebhookNotifier): HttpRequestException: The webhook answered 503", StringComparison.Ordinal));
    }
}
