using System.Net;
using System.Text;
using System.Text.Json.Nodes;

namespace Updraft.Server.RestApi;

/// <summary>A browsable page of an OpenAPI document: every operation with its method, path, parameters, body and permission, rendered on the server (no script, no third-party code).</summary>
public static class OpenApiPage
{
    public static string Render(JsonObject document, string prefix)
    {
        ArgumentNullException.ThrowIfNull(document);
        var title = WebUtility.HtmlEncode(document["info"]?["title"]?.ToString() ?? "API");
        var html = new StringBuilder();
        html.Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(title).Append("</title>")
            .Append("<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem;color-scheme:light dark}")
            .Append("table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #8884;padding:.35rem .5rem;text-align:left;vertical-align:top}")
            .Append("code{font-size:13px}.m{font-weight:600;text-transform:uppercase}</style></head><body>")
            .Append("<h1>").Append(title).Append("</h1><p>").Append(WebUtility.HtmlEncode(document["info"]?["description"]?.ToString() ?? ""))
            .Append(" The machine-readable document: <a href=\"").Append(prefix).Append("/openapi.json\">").Append(prefix).Append("/openapi.json</a>.</p>")
            .Append("<table><thead><tr><th>method</th><th>path</th><th>body</th><th>permission</th></tr></thead><tbody>");
        foreach (var (path, item) in document["paths"]!.AsObject())
        {
            foreach (var (method, operation) in item!.AsObject())
            {
                var body = operation?["requestBody"]?["content"]?["application/json"]?["schema"]?["$ref"]?.ToString().Split('/')[^1] ?? "";
                var permission = operation?["x-permission"] is JsonObject p ? $"{p["action"]} on {p["resource"]}" : operation?["security"] is null ? "anyone" : "";
                html.Append("<tr><td class=\"m\">").Append(WebUtility.HtmlEncode(method)).Append("</td><td><code>").Append(WebUtility.HtmlEncode(path))
                    .Append("</code></td><td>").Append(WebUtility.HtmlEncode(body)).Append("</td><td>").Append(WebUtility.HtmlEncode(permission)).Append("</td></tr>");
            }
        }

        return html.Append("</tbody></table></body></html>").ToString();
    }
}
