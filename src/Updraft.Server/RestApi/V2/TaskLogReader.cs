using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Updraft.Server.RestApi.V2;

/// <summary>
/// A try's log over the REST API: the whole file, or the part after a continuation token (for tailing a running try),
/// as JSON (<c>TaskInstancesLogResponse</c>, one structured message per line) or as <c>text/plain</c> when asked.
/// The token carries the byte offset read so far.
/// </summary>
internal static class TaskLogReader
{
    /// <summary>The most bytes one call returns; the continuation token gets the rest.</summary>
    public const int MaxChunk = 1024 * 1024;

    /// <summary>Reads from the token's offset; <paramref name="finished"/> (the try has ended) also returns a last line without its newline.</summary>
    /// <remarks>With <paramref name="textContent"/>, the JSON is Airflow 2's: <c>content</c> is the text itself.</remarks>
    public static async Task<IResult> ReadAsync(HttpContext context, string? path, string? token, bool finished, bool textContent = false)
    {
        var from = token is null ? 0L : Offset(token);
        var text = "";
        var end = from;
        if (path is not null && File.Exists(path))
        {
            await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (from > stream.Length)
            {
                from = 0;
            }

            stream.Seek(from, SeekOrigin.Begin);
            var bytes = new byte[(int)Math.Min(MaxChunk, stream.Length - from)];
            var read = 0;
            while (read < bytes.Length && await stream.ReadAsync(bytes.AsMemory(read), context.RequestAborted) is var n and > 0)
            {
                read += n;
            }

            // Only whole lines, unless the try has ended and this is the end of the file: a line still being written
            // is sent with the next call.
            var atEnd = from + read >= stream.Length;
            var last = Array.LastIndexOf(bytes, (byte)'\n', Math.Max(read - 1, 0));
            var length = finished && atEnd ? read : last >= 0 && read > 0 ? last + 1 : read == bytes.Length && read > 0 ? read : 0;
            text = Encoding.UTF8.GetString(bytes, 0, length);
            end = from + length;
        }

        var next = Token(end);
        var accept = context.Request.Headers.Accept.ToString();
        if (accept.Contains("text/plain", StringComparison.OrdinalIgnoreCase) && !accept.Contains("application/json", StringComparison.OrdinalIgnoreCase))
        {
            context.Response.Headers["X-Continuation-Token"] = next;
            return Results.Text(text, "text/plain", Encoding.UTF8);
        }

        if (textContent)
        {
            return V2.Json(new { content = text, continuation_token = next });
        }

        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(line => new { @event = line }).ToList();
        return V2.Json(new { content = lines, continuation_token = next });
    }

    private static string Token(long offset) =>
        Convert.ToBase64String(JsonSerializer.SerializeToUtf8Bytes(new { log_pos = offset })).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    private static long Offset(string token)
    {
        try
        {
            var padded = token.Replace('-', '+').Replace('_', '/');
            padded += new string('=', (4 - padded.Length % 4) % 4);
            using var document = JsonDocument.Parse(Convert.FromBase64String(padded));
            return document.RootElement.GetProperty("log_pos").GetInt64() is var pos and >= 0 ? pos : throw new FormatException();
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw ApiException.BadRequest("The continuation token is not valid.");
        }
    }
}
