using System.Text.Json.Nodes;
using Updraft.Core.Dags;

namespace Updraft.Providers;

/// <summary>
/// Emails about a task or run (Airflow's <c>SmtpNotifier</c>): <c>OnFailure = { new EmailNotifier("ops@example.com") }</c>.
/// Subject and body are templates rendered against the callback's context (<c>{{ ti.task_id }}</c>, <c>{{ reason }}</c>, …).
/// </summary>
public sealed class EmailNotifier(string to) : Notifier
{
    /// <summary>Airflow's default subject, for a task or (without the task) for a run.</summary>
    public const string DefaultTaskSubject = "DAG {{ dag.dag_id }} - Task {{ ti.task_id }} - Run ID {{ ti.run_id }} in State {{ state }}";

    public const string DefaultRunSubject = "DAG {{ dag.dag_id }} - Run ID {{ run_id }} in State {{ state }}";

    public string To { get; } = to ?? throw new ArgumentNullException(nameof(to));

    public string? Subject { get; init; }

    public string HtmlContent { get; init; } = "<p>{{ event }} for {{ dag.dag_id }} run {{ run_id }}: {{ state }}</p><p>{{ reason }}</p>";

    public string ConnId { get; init; } = SmtpHook.DefaultConnId;

    public string? FromEmail { get; init; }

    public string? Cc { get; init; }

    public override async Task NotifyAsync(CallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var subject = await RenderAsync(context, Subject ?? (context.TaskInstance is null ? DefaultRunSubject : DefaultTaskSubject), "subject");
        var body = await RenderAsync(context, HtmlContent, "html_content");
        var to = await RenderAsync(context, To, "to");
        await new SmtpHook(context.Connections, context.Log, ConnId, context.CancellationToken).SendAsync(new EmailMessage([to], subject, body)
        {
            From = FromEmail,
            Cc = Cc is null ? [] : [Cc],
        });
    }

    internal static Task<string> RenderAsync(CallbackContext context, string template, string field) => context.RenderAsync(template, field);
}

/// <summary>
/// Posts a JSON message to a webhook (a chat channel's incoming webhook, an incident tool) through an HTTP connection:
/// <c>new WebhookNotifier("chat_webhook") { Text = "{{ dag.dag_id }} failed: {{ reason }}" }</c> posts
/// <c>{"text": …}</c> to the connection's URL (plus <see cref="Endpoint"/>). An error status fails the notifier, which
/// the callback's log shows; the task's state is never touched.
/// </summary>
public sealed class WebhookNotifier(string connId) : Notifier
{
    public string ConnId { get; } = connId ?? throw new ArgumentNullException(nameof(connId));

    public string Endpoint { get; init; } = "";

    /// <summary>The message (templated); sent as <c>{"text": …}</c> unless <see cref="Body"/> is given.</summary>
    public string Text { get; init; } = "{{ event }}: DAG {{ dag.dag_id }}, run {{ run_id }}, state {{ state }}";

    /// <summary>A whole JSON body (templated) instead of <c>{"text": …}</c>.</summary>
    public string? Body { get; init; }

    public override async Task NotifyAsync(CallbackContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var body = Body is null
            ? new JsonObject { ["text"] = await EmailNotifier.RenderAsync(context, Text, "text") }.ToJsonString()
            : await EmailNotifier.RenderAsync(context, Body, "body");
        var hook = new HttpHook(context.Connections, context.Log, ConnId, context.CancellationToken);
        var response = await hook.RunAsync("POST", Endpoint, body, new Dictionary<string, string> { ["Content-Type"] = "application/json" }, TimeSpan.FromSeconds(30));
        if (response.StatusCode >= 400)
        {
            throw new HttpRequestException($"The webhook answered {response.StatusCode} {response.ReasonPhrase}: {response.Text}");
        }

        context.Log.Info($"Posted the {context.Event} notification to the webhook ({response.StatusCode})");
    }
}
