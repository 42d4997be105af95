using Microsoft.AspNetCore.Http;
using Updraft.Storage.Database;

namespace Updraft.Server.RestApi.V2;

/// <summary>Small helpers shared by the <c>/api/v2</c> routes.</summary>
internal static class V2
{
    public const string Prefix = "/api/v2";

    public static IResult Json(object value, int status = 200) => Results.Json(value, ApiJson.Options, statusCode: status);

    public static DateTimeOffset? Time(long? micros) => Micros.To(micros);

    public static DateTimeOffset Time(long micros) => Micros.To(micros);

    /// <summary>A stable, opaque id for things whose table has no numeric or uuid key (import errors, DAG versions).</summary>
    public static Guid StableGuid(string text)
    {
        var hash = System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text));
        hash[6] = (byte)((hash[6] & 0x0F) | 0x50);
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80);
        return new Guid(hash.AsSpan(0, 16), bigEndian: true);
    }

    public static int StableId(string text) =>
        (int)(BitConverter.ToUInt32(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)), 0) & 0x7FFFFFFF);

    /// <summary>A note over Airflow's 1,000 characters, refused as its body validation does.</summary>
    public static string? Note(string? note) => note is { Length: > Scheduling.Operations.DagRunService.MaxNoteLength }
        ? throw ApiException.Invalid(["body", "note"], $"String should have at most {Scheduling.Operations.DagRunService.MaxNoteLength} characters", "string_too_long", note)
        : note;

    /// <summary>The filter of a list route's <c>{dag_id}</c>: none for <c>~</c>, else that DAG; narrowed to the DAGs the caller may read.</summary>
    public static IReadOnlyCollection<string>? DagFilter(HttpContext context, string? dagId)
    {
        var readable = context.Caller().ReadableDags;
        if (dagId is null or "~")
        {
            return readable;
        }

        return readable is null || readable.Contains(dagId) ? [dagId] : [];
    }

    /// <summary>A stored XCom value as JSON; a value that is not valid JSON (written by other means) as its text.</summary>
    public static System.Text.Json.Nodes.JsonNode? JsonOrText(string value)
    {
        try
        {
            return System.Text.Json.Nodes.JsonNode.Parse(value);
        }
        catch (System.Text.Json.JsonException)
        {
            return System.Text.Json.Nodes.JsonValue.Create(value);
        }
    }

    /// <summary>Several filters of DAG ids combined: null where every one is null.</summary>
    public static IReadOnlyCollection<string>? Intersect(IReadOnlyCollection<string>? a, IReadOnlyCollection<string>? b) =>
        a is null ? b : b is null ? a : [.. a.Intersect(b, StringComparer.Ordinal)];
}
