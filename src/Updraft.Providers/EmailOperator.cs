using Updraft.Core.Dags;
using Updraft.Core.Runtime;

namespace Updraft.Providers;

/// <summary>
/// Sends an email through an SMTP connection (Airflow's <c>EmailOperator</c>): templated recipients, subject and HTML
/// body, copies and attachments. A refused recipient, a failed login or an unreachable server fails the task with
/// the server's message.
/// </summary>
public sealed class EmailOperator : Operator
{
    public EmailOperator(Dag dag, string taskId, string to, string subject, string htmlContent, string? file = null, int line = 0)
        : base(dag, taskId, file, line)
    {
        ArgumentNullException.ThrowIfNull(to);
        ArgumentNullException.ThrowIfNull(subject);
        ArgumentNullException.ThrowIfNull(htmlContent);
        To = to;
        Subject = subject;
        HtmlContent = htmlContent;
    }

    public override string OperatorName => "EmailOperator";

    /// <summary>Recipients, separated by commas (templated).</summary>
    public string To { get; }

    public string Subject { get; }

    public string HtmlContent { get; }

    public string ConnId { get; set; } = SmtpHook.DefaultConnId;

    /// <summary>The sender; null uses the connection's <c>from_email</c>.</summary>
    public string? FromEmail { get; set; }

    public string? Cc { get; set; }

    public string? Bcc { get; set; }

    /// <summary>Paths of files to attach (templated).</summary>
    public List<string> Files { get; set; } = [];

    public override IEnumerable<KeyValuePair<string, string>> GetTemplateFields()
    {
        yield return new("to", To);
        yield return new("subject", Subject);
        yield return new("html_content", HtmlContent);
        for (var i = 0; i < Files.Count; i++)
        {
            yield return new($"files.{i}", Files[i]);
        }
    }

    public override async Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        await new SmtpHook(context, ConnId).SendAsync(new EmailMessage([context.Rendered["to"]], context.Rendered["subject"], context.Rendered["html_content"])
        {
            From = FromEmail,
            Cc = Cc is null ? [] : [Cc],
            Bcc = Bcc is null ? [] : [Bcc],
            Files = [.. Files.Select((_, i) => context.Rendered[$"files.{i}"])],
        });
        return null;
    }
}
