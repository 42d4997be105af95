using Markdig;
using Markdig.Syntax;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Scheduling.Operations;
using Updraft.Server.RestApi;
using Updraft.Server.RestApi.V2;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.Ui;

/// <summary>
/// A DAG's and its tasks' documentation (<c>DocMd</c>) as HTML, for the DAG page's details. Markdown with the common
/// extensions (tables, task lists, auto-links); raw HTML in the Markdown is shown as text, never run, since DAG
/// authors and UI viewers are not the same people.
/// </summary>
internal static class DocsEndpoints
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder()
        .UseAdvancedExtensions()
        .DisableHtml()
        .Build();

    public static void MapDocs(this IEndpointRouteBuilder app)
    {
        app.MapGet("/ui/docs/{dag_id}", async (string dag_id, HttpContext context, IDagStore dags) =>
        {
            var (dag, _) = await dags.GetSerializedAsync(dag_id, null, context.RequestAborted) ?? throw OperationException.DagNotFound(dag_id);
            return V2.Json(new
            {
                dag_id,
                doc_html = Render(dag.DocMd),
                tasks = dag.Tasks.Where(t => !string.IsNullOrWhiteSpace(t.DocMd)).ToDictionary(t => t.TaskId, t => Render(t.DocMd), StringComparer.Ordinal),
            });
        }).Requires(Read, Storage.Security.Permissions.Dags, DagScope.Dag);
    }

    /// <summary>The Markdown as HTML; links keep only web and mail schemes (no <c>javascript:</c>).</summary>
    public static string? Render(string? markdown)
    {
        if (string.IsNullOrWhiteSpace(markdown))
        {
            return null;
        }

        var document = Markdown.Parse(markdown, Pipeline);
        foreach (var link in document.Descendants<Markdig.Syntax.Inlines.LinkInline>())
        {
            if (link.Url is { } url && !IsSafe(url))
            {
                link.Url = "#";
            }
        }

        return document.ToHtml(Pipeline);
    }

    private static bool IsSafe(string url)
    {
        var colon = url.IndexOf(':', StringComparison.Ordinal);
        var slash = url.IndexOfAny(['/', '?', '#']);
        if (colon < 0 || (slash >= 0 && slash < colon))
        {
            // Relative: no scheme.
            return true;
        }

        var scheme = url[..colon].Trim().ToUpperInvariant();
        return scheme is "HTTP" or "HTTPS" or "MAILTO";
    }
}
