using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Scheduling.Operations;
using Updraft.Storage.Queries;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V2;

/// <summary><c>/api/v2/dags</c> and what hangs off a DAG: details, tasks, source, versions; import errors.</summary>
internal static class DagEndpoints
{
    public static void MapDags(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/dags", async (HttpContext context, DagService service, IDagStore dags, ListCache cache) =>
        {
            var q = new ApiQuery(context.Request);
            var query = new DagQuery
            {
                DagIds = V2.DagFilter(context, null),
                DagIdPattern = q.String("dag_id_pattern")?.Replace("%", "", StringComparison.Ordinal),
                Paused = q.Bool("paused"),
                Active = q.Bool("exclude_stale") == false ? null : true,
                Tags = q.StringsOrNull("tags"),
                AllTags = q.String("tags_match_mode") switch
                {
                    null or "any" => false,
                    "all" => true,
                    var other => throw ApiException.Invalid(["query", "tags_match_mode"], "Input should be 'any' or 'all'", "literal_error", other),
                },
                Owners = q.StringsOrNull("owners"),
                LastRunStates = q.StringsOrNull("last_dag_run_state")?.Select(DagRunEndpoints.ParseRunState).ToList(),
                Page = q.Page(settings.MaximumPageLimit, "dag_id"),
            };
            return await cache.AnswerAsync(context, async () =>
            {
                var page = await service.ListAsync(query, context.RequestAborted);
                return new { dags = await ShapeAsync(dags, page.Items, context.RequestAborted), total_entries = page.TotalEntries };
            });
        }).Query("limit:integer", "offset:integer", "order_by:array", "dag_id_pattern", "paused:boolean", "exclude_stale:boolean", "tags:array", "tags_match_mode", "owners:array", "last_dag_run_state:array").Requires(Read, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapGet("/dags/{dag_id}", async (string dag_id, HttpContext context, DagService service, IDagStore dags) =>
        {
            var record = await service.GetAsync(dag_id, context.RequestAborted);
            return V2.Json((await ShapeAsync(dags, [record], context.RequestAborted))[0]);
        }).Requires(Read, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapGet("/dags/{dag_id}/details", async (string dag_id, HttpContext context, DagService service, IDagStore dags) =>
        {
            var record = await service.GetAsync(dag_id, context.RequestAborted);
            var (dag, version) = await dags.GetSerializedAsync(dag_id, null, context.RequestAborted) ?? throw OperationException.DagNotFound(dag_id);
            var created = (await dags.VersionsAsync(dag_id, context.RequestAborted)).FirstOrDefault(v => v.Version == version).CreatedAt;
            return V2.Json(DagShapes.Details(record, dag, version, created, await FilesWithErrorsAsync(dags, context.RequestAborted)));
        }).Requires(Read, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapPatch("/dags/{dag_id}", async (string dag_id, HttpContext context, DagService service, IDagStore dags) =>
        {
            var body = await ApiBody.ReadAsync<DagPatchBody>(context.Request, context.RequestAborted);
            CheckMask(new ApiQuery(context.Request));
            var record = await service.SetPausedAsync(dag_id, body.IsPaused, Actor(context), context.RequestAborted);
            return V2.Json((await ShapeAsync(dags, [record], context.RequestAborted))[0]);
        }).Accepts<DagPatchBody>("application/json").Query("update_mask:array").Requires(Edit, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapPatch("/dags", async (HttpContext context, DagService service, IDagStore dags) =>
        {
            var body = await ApiBody.ReadAsync<DagPatchBody>(context.Request, context.RequestAborted);
            CheckMask(new ApiQuery(context.Request));
            var q = new ApiQuery(context.Request);
            var editable = context.Caller().Permissions.DagsWith(Edit);
            var query = new DagQuery
            {
                DagIds = V2.Intersect(V2.DagFilter(context, null), editable),
                DagIdPattern = q.String("dag_id_pattern")?.Replace("%", "", StringComparison.Ordinal) ?? throw ApiException.Invalid(["query", "dag_id_pattern"], "Field required", "missing"),
                Paused = q.Bool("paused"),
                Page = q.Page(settings.MaximumPageLimit, "dag_id"),
            };
            var page = await service.ListAsync(query, context.RequestAborted);
            var changed = new List<DagRecord>();
            foreach (var record in page.Items)
            {
                changed.Add(await service.SetPausedAsync(record.DagId, body.IsPaused, Actor(context), context.RequestAborted));
            }

            return V2.Json(new { dags = await ShapeAsync(dags, changed, context.RequestAborted), total_entries = page.TotalEntries });
        }).Accepts<DagPatchBody>("application/json").Query("update_mask:array", "limit:integer", "offset:integer", "order_by:array", "dag_id_pattern", "paused:boolean").Requires(Edit, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapDelete("/dags/{dag_id}", async (string dag_id, HttpContext context, DagService service) =>
        {
            await service.DeleteAsync(dag_id, Actor(context), context.RequestAborted);
            return V2.Json(new JsonObject());
        }).Requires(Delete, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapGet("/dags/{dag_id}/tasks", async (string dag_id, HttpContext context, IDagStore dags) =>
        {
            var (dag, _) = await dags.GetSerializedAsync(dag_id, null, context.RequestAborted) ?? throw OperationException.DagNotFound(dag_id);
            var orderBy = new ApiQuery(context.Request).String("order_by") ?? "task_id";
            var descending = orderBy.StartsWith('-');
            var tasks = orderBy.TrimStart('-') switch
            {
                "task_id" => dag.Tasks.OrderBy(t => t.TaskId, StringComparer.Ordinal).ToList(),
                "operator_name" or "operator" => [.. dag.Tasks.OrderBy(t => t.Operator, StringComparer.Ordinal).ThenBy(t => t.TaskId, StringComparer.Ordinal)],
                var other => throw ApiException.BadRequest($"Ordering with '{other}' is disallowed or the attribute does not exist on the model"),
            };
            if (descending)
            {
                tasks.Reverse();
            }

            return V2.Json(new { tasks = tasks.Select(t => DagShapes.Task(dag, t)).ToList(), total_entries = tasks.Count });
        }).Query("order_by").Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet("/dags/{dag_id}/tasks/{task_id}", async (string dag_id, string task_id, HttpContext context, IDagStore dags) =>
        {
            var (dag, _) = await dags.GetSerializedAsync(dag_id, null, context.RequestAborted) ?? throw OperationException.DagNotFound(dag_id);
            var task = dag.Tasks.FirstOrDefault(t => t.TaskId == task_id) ?? throw ApiException.NotFound($"Task with id {task_id} was not found");
            return V2.Json(DagShapes.Task(dag, task));
        }).Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapGet("/dagSources/{dag_id}", async (string dag_id, HttpContext context, IDagStore dags, DagCodeStore code) =>
        {
            var version = new ApiQuery(context.Request).Int("version_number");
            var (dag, number) = await dags.GetSerializedAsync(dag_id, version, context.RequestAborted)
                ?? throw (version is null ? OperationException.DagNotFound(dag_id) : ApiException.NotFound($"The source code of DAG {dag_id}, version_number {version} was not found"));
            var source = string.IsNullOrEmpty(dag.SourceHash) ? null : await code.GetAsync(dag.SourceHash, context.RequestAborted);
            var content = source is null ? null : System.Text.Encoding.UTF8.GetString(source.Content);
            var accept = context.Request.Headers.Accept.ToString();
            if (accept.Contains("text/plain", StringComparison.OrdinalIgnoreCase) && !accept.Contains("application/json", StringComparison.OrdinalIgnoreCase))
            {
                return Results.Text(content ?? "", "text/plain");
            }

            return V2.Json(new { content, dag_id, version_number = (int?)number, dag_display_name = dag_id });
        }).Query("version_number:integer").Requires(Read, DagCode, DagScope.DagEntity);

        api.MapGet("/dags/{dag_id}/dagVersions", async (string dag_id, HttpContext context, DagService service, IDagStore dags) =>
        {
            await service.GetAsync(dag_id, context.RequestAborted);
            var q = new ApiQuery(context.Request);
            var page = q.Page(settings.MaximumPageLimit);
            var versions = (await dags.VersionsAsync(dag_id, context.RequestAborted)).ToList();
            if (page.OrderBy is [var order])
            {
                versions = order switch
                {
                    "version_number" or "id" => versions,
                    "-version_number" or "-id" => [.. versions.AsEnumerable().Reverse()],
                    "created_at" => [.. versions.OrderBy(v => v.CreatedAt)],
                    "-created_at" => [.. versions.OrderByDescending(v => v.CreatedAt)],
                    _ => throw ApiException.BadRequest($"Ordering with '{order.TrimStart('-')}' is disallowed or the attribute does not exist on the model"),
                };
            }

            var items = versions.Skip(page.Offset).Take(page.Limit).Select(v => DagShapes.Version(dag_id, v.Version, v.CreatedAt)).ToList();
            return V2.Json(new { dag_versions = items, total_entries = versions.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array").Requires(Read, DagVersions, DagScope.DagEntity);

        api.MapGet("/dags/{dag_id}/dagVersions/{version_number:int}", async (string dag_id, int version_number, HttpContext context, IDagStore dags) =>
        {
            var version = (await dags.VersionsAsync(dag_id, context.RequestAborted)).Where(v => v.Version == version_number).ToList();
            return version is [var v]
                ? V2.Json(DagShapes.Version(dag_id, v.Version, v.CreatedAt))
                : throw ApiException.NotFound($"The DagVersion with dag_id: `{dag_id}` and version_number: `{version_number}` was not found");
        }).Requires(Read, DagVersions, DagScope.DagEntity);

        api.MapGet("/dagTags", async (HttpContext context, IDagStore dags) =>
        {
            var q = new ApiQuery(context.Request);
            var page = await dags.TagNamesAsync(q.String("tag_name_pattern")?.Replace("%", "", StringComparison.Ordinal), context.Caller().ReadableDags, q.Page(settings.MaximumPageLimit, "name"), context.RequestAborted);
            return V2.Json(new { tags = page.Items, total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "tag_name_pattern").Requires(Read, Storage.Security.Permissions.Dags, DagScope.Dag);

        api.MapGet("/dagStats", async (HttpContext context, IDagStore dags) =>
        {
            var q = new ApiQuery(context.Request);
            var wanted = V2.Intersect(V2.DagFilter(context, null), q.StringsOrNull("dag_ids"));
            var counts = await dags.RunCountsAsync(wanted, context.RequestAborted);
            var ids = (wanted ?? [.. counts.Select(c => c.DagId)]).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
            string[] states = ["queued", "running", "success", "failed"];
            var items = ids.Select(id => new
            {
                dag_id = id,
                dag_display_name = id,
                stats = states.Select(state => new { state, count = counts.Where(c => c.DagId == id && c.State == state).Sum(c => c.Count) }).ToList(),
            }).ToList();
            return V2.Json(new { dags = items, total_entries = items.Count });
        }).Query("dag_ids:array").Requires(Read, DagRuns, DagScope.DagEntity);

        api.MapGet("/dagWarnings", async (HttpContext context, DagWarningStore warnings) =>
        {
            var q = new ApiQuery(context.Request);
            var type = q.String("warning_type");
            if (type is not (null or DagWarning.NonExistentPool or "asset conflict"))
            {
                throw ApiException.Invalid(["query", "warning_type"], "Input should be 'asset conflict' or 'non-existent pool'", "enum", type);
            }

            var page = await warnings.QueryAsync(V2.DagFilter(context, q.String("dag_id")), type, q.Page(settings.MaximumPageLimit), context.RequestAborted);
            var rows = page.Items.Select(w => new { dag_id = w.DagId, warning_type = w.WarningType, message = w.Message, timestamp = V2.Time(w.Timestamp), dag_display_name = w.DagId }).ToList();
            return V2.Json(new { dag_warnings = rows, total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "warning_type", "dag_id").Requires(Read, DagWarnings, DagScope.DagEntity);

        // Airflow's reparse: the file named by a DAG's file_token is parsed again by the DAG processor within about a second.
        api.MapPut("/parseDagFile/{file_token}", (string file_token, HttpContext context, IDagStore dags, DagParsingRequestStore requests, TimeProvider time) =>
            ReparseAsync(file_token, context, dags, requests, time))
            .Requires(Edit, Storage.Security.Permissions.Dags, DagScope.Dag).Audited("reparse_dag_file");

        api.MapGet("/importErrors", async (HttpContext context, IDagStore dags) =>
        {
            var page = new ApiQuery(context.Request).Page(settings.MaximumPageLimit);
            var errors = await VisibleImportErrorsAsync(context, dags);
            if (page.OrderBy is [var order])
            {
                var descending = order.StartsWith('-');
                Func<ImportErrorShape, object> key = order.TrimStart('-') switch
                {
                    "id" or "import_error_id" => e => e.ImportErrorId,
                    "filename" => e => e.Filename,
                    "timestamp" => e => e.Timestamp,
                    var other => throw ApiException.BadRequest($"Ordering with '{other}' is disallowed or the attribute does not exist on the model"),
                };
                errors = descending ? [.. errors.OrderByDescending(key)] : [.. errors.OrderBy(key)];
            }

            return V2.Json(new { import_errors = errors.Skip(page.Offset).Take(page.Limit).ToList(), total_entries = errors.Count });
        }).Query("limit:integer", "offset:integer", "order_by:array").Requires(Read, ImportErrors);

        api.MapGet("/importErrors/{import_error_id:int}", async (int import_error_id, HttpContext context, IDagStore dags) =>
        {
            var error = (await VisibleImportErrorsAsync(context, dags)).FirstOrDefault(e => e.ImportErrorId == import_error_id);
            return error is null ? throw ApiException.NotFound($"The ImportError with import_error_id: `{import_error_id}` was not found") : V2.Json(error);
        }).Requires(Read, ImportErrors);
    }

    public sealed record DagPatchBody(bool IsPaused);

    public sealed record ImportErrorShape(int ImportErrorId, DateTimeOffset Timestamp, string Filename, string? BundleName, string StackTrace);

    /// <summary>
    /// The import errors the caller may see, as Airflow shows them: all for a caller who may read every DAG; otherwise
    /// only those of files that define a DAG the caller may read, with the error text hidden unless the caller may read
    /// every DAG of that file (it can show their code).
    /// </summary>
    internal static async Task<List<ImportErrorShape>> VisibleImportErrorsAsync(HttpContext context, IDagStore dags)
    {
        var errors = (await dags.ImportErrorsWithTimesAsync(context.RequestAborted)).Select(ImportError).ToList();
        if (context.Caller().ReadableDags is not { } readable)
        {
            return errors;
        }

        var byFile = (await dags.ListAsync(activeOnly: false, context.RequestAborted)).ToLookup(d => d.Fileloc, d => d.DagId, StringComparer.Ordinal);
        return [.. errors
            .Where(e => byFile[e.Filename].Any(readable.Contains))
            .Select(e => byFile[e.Filename].All(readable.Contains) ? e : e with { StackTrace = "REDACTED - you do not have read permission on all DAGs in the file" })];
    }

    internal static ImportErrorShape ImportError((string Filename, int Line, string Message, DateTimeOffset Timestamp) e) =>
        new(V2.StableId(e.Filename), e.Timestamp, e.Filename, null, e.Line > 0 ? $"{e.Filename}:{e.Line}: {e.Message}" : e.Message);

    /// <summary>Asks the DAG processor to parse a DAG file again (also on <c>/api/v1</c>); the caller must be able to edit every DAG of it.</summary>
    internal static async Task<IResult> ReparseAsync(string fileToken, HttpContext context, IDagStore dags, DagParsingRequestStore requests, TimeProvider time)
    {
        var fileloc = FileTokens.Read(fileToken) ?? throw ApiException.NotFound("The file token does not name a DAG file.");
        var inFile = (await dags.ListAsync(activeOnly: false, context.RequestAborted)).Where(d => d.Fileloc == fileloc).Select(d => d.DagId).ToList();
        if (inFile.Count == 0)
        {
            throw ApiException.NotFound("The file token does not name a DAG file.");
        }

        foreach (var dagId in inFile)
        {
            context.RequireOnDag(dagId);
        }

        await requests.AddAsync(fileloc, time.GetUtcNow(), context.RequestAborted);
        return Results.Text("null", "application/json", statusCode: 201);
    }

    public static Actor Actor(HttpContext context) => new(context.Caller().Username, "api");

    private static void CheckMask(ApiQuery query)
    {
        foreach (var field in query.Strings("update_mask"))
        {
            if (field != "is_paused")
            {
                throw ApiException.BadRequest("Only `is_paused` field can be updated through the REST API");
            }
        }
    }

    /// <summary>DAG rows in Airflow's shape, with their tags and import errors read once for the page.</summary>
    private static async Task<List<object>> ShapeAsync(IDagStore dags, IReadOnlyList<DagRecord> records, CancellationToken cancellationToken)
    {
        var errors = await FilesWithErrorsAsync(dags, cancellationToken);
        var tags = await dags.TagsAsync([.. records.Select(r => r.DagId)], cancellationToken);
        return [.. records.Select(r => DagShapes.Dag(r, tags.TryGetValue(r.DagId, out var t) ? t : [], errors))];
    }

    internal static async Task<IReadOnlySet<string>> FilesWithErrorsAsync(IDagStore dags, CancellationToken cancellationToken) =>
        (await dags.ImportErrorsAsync(cancellationToken)).Select(e => e.Filename).ToHashSet(StringComparer.Ordinal);
}
