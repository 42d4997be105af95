using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Storage.Database;
using Updraft.Storage.Stores;
using static Updraft.Storage.Security.Permissions;

namespace Updraft.Server.RestApi.V2;

/// <summary>
/// Human-in-the-loop questions (Airflow 3.1's <c>/hitlDetails</c>): list them, read one, answer one — once, while its
/// task still waits, with options it offers; the answer, who gave it and when are recorded and passed downstream.
/// </summary>
internal static class HitlEndpoints
{
    private const string One = "/hitlDetails/{dag_id}/{dag_run_id}/{task_id}";

    public static void MapHitl(this IEndpointRouteBuilder api, RestApiSettings settings)
    {
        api.MapGet("/hitlDetails/", async (HttpContext context, HitlStore hitl, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags) =>
        {
            var q = new ApiQuery(context.Request);
            var page = await hitl.QueryAsync(V2.DagFilter(context, null), q.String("dag_id"), q.Bool("response_received"), q.Page(settings.MaximumPageLimit), context.RequestAborted);
            var details = new List<object>();
            foreach (var item in page.Items)
            {
                details.Add(await DetailAsync(item, tis, runs, dags, context.RequestAborted));
            }

            return V2.Json(new { hitl_details = details, total_entries = page.TotalEntries });
        }).Query("limit:integer", "offset:integer", "order_by:array", "dag_id", "response_received:boolean").Requires(Read, TaskInstances);

        api.MapGet(One, async (string dag_id, string dag_run_id, string task_id, HttpContext context, HitlStore hitl, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags) =>
        {
            var key = new TaskInstanceKey(dag_id, dag_run_id, task_id, new ApiQuery(context.Request).Int("map_index") ?? -1);
            var item = await hitl.GetAsync(key, context.RequestAborted) ?? throw NotFound(key);
            return V2.Json(await DetailAsync(item, tis, runs, dags, context.RequestAborted));
        }).Query("map_index:integer").Requires(Read, TaskInstances, DagScope.DagEntity);

        api.MapPatch(One, async (string dag_id, string dag_run_id, string task_id, HttpContext context, HitlStore hitl, TimeProvider time) =>
        {
            var body = await ApiBody.ReadAsync<AnswerBody>(context.Request, context.RequestAborted);
            var key = new TaskInstanceKey(dag_id, dag_run_id, task_id, new ApiQuery(context.Request).Int("map_index") ?? -1);
            var item = await hitl.GetAsync(key, context.RequestAborted) ?? throw NotFound(key);
            if (item.Response is { } given)
            {
                throw ApiException.Conflict(given.RespondedBy is null
                    ? $"Human-in-the-loop detail of {Describe(key)} was answered by its defaults when it timed out, and is not allowed to write again."
                    : $"Human-in-the-loop detail has already been updated for {Describe(key)} and is not allowed to write again.");
            }

            if (item.TaskState != TaskInstanceState.Deferred)
            {
                throw ApiException.Conflict($"{Describe(key)} is not waiting for an answer (its state is {item.TaskState?.ToWireName() ?? "gone"}).");
            }

            var chosen = body.ChosenOptions ?? [];
            if (chosen.Count == 0 || chosen.Any(o => !item.Options.Contains(o)) || (item.Multiple == 0 && chosen.Count > 1))
            {
                throw ApiException.BadRequest(
                    $"Chosen options [{string.Join(", ", chosen)}] are not valid: choose {(item.Multiple == 0 ? "one" : "one or more")} of [{string.Join(", ", item.Options)}].");
            }

            var input = body.ParamsInput ?? [];
            if (input.Select(p => p.Key).FirstOrDefault(k => !item.Params.ContainsKey(k)) is { } unknown)
            {
                throw ApiException.BadRequest($"Params input '{unknown}' is not one of the task's params ({string.Join(", ", item.Params.Select(p => p.Key))}).");
            }

            // Unanswered fields keep their defaults.
            var values = (JsonObject)item.Params.DeepClone();
            foreach (var (name, value) in input)
            {
                values[name] = value?.DeepClone();
            }

            // At the precision it is stored in, so this reply gives the same responded_at as GET and the task's result.
            var answer = new HumanResponse([.. chosen], values, context.Caller().Username, Micros.To(Micros.From(time.GetUtcNow())));
            if (!await hitl.RespondAsync(key, answer, item.CreatedAtMicros, context.RequestAborted))
            {
                throw ApiException.Conflict($"Human-in-the-loop detail has already been updated for {Describe(key)} and is not allowed to write again.");
            }

            return V2.Json(new
            {
                responded_by = new { id = answer.RespondedBy, name = answer.RespondedBy },
                responded_at = answer.RespondedAt,
                chosen_options = answer.ChosenOptions,
                params_input = answer.ParamsInput,
            });
        }).Query("map_index:integer").Accepts<AnswerBody>("application/json").Requires(Edit, TaskInstances, DagScope.DagEntity).Audited("update_hitl_detail");
    }

    private static async Task<object> DetailAsync(HitlRecord item, ITaskInstanceStore tis, IDagRunStore runs, IDagStore dags, CancellationToken cancellationToken)
    {
        var ti = await tis.GetAsync(new TaskInstanceKey(item.DagId, item.RunId, item.TaskId, item.MapIndex), cancellationToken);
        var run = ti is null ? null : await runs.GetAsync(item.DagId, item.RunId, cancellationToken);
        var version = run is null ? null : await DagRunEndpoints.VersionAsync(dags, item.DagId, run.DagVersion, cancellationToken);
        var response = item.Response;
        return new
        {
            task_instance = ti is null ? null : RunShapes.TaskInstance(ti, run, version),
            subject = item.Subject,
            body = item.Body,
            options = item.Options,
            defaults = item.Defaults,
            multiple = item.Multiple != 0,
            @params = item.Params,
            assigned_users = Array.Empty<object>(),
            created_at = item.CreatedAt,
            timeout_at = item.TimeoutAt,
            responded_by_user = response?.RespondedBy is { } who ? new { id = who, name = who } : null,
            responded_at = response?.RespondedAt,
            chosen_options = response?.ChosenOptions,
            params_input = response?.ParamsInput ?? [],
            response_received = response is not null,
        };
    }

    private static string Describe(TaskInstanceKey key) =>
        $"Task Instance {key.DagId}.{key.TaskId}{(key.MapIndex >= 0 ? $"[{key.MapIndex}]" : "")} of run {key.RunId}";

    private static ApiException NotFound(TaskInstanceKey key) => ApiException.NotFound($"Human-in-the-loop detail does not exist for {Describe(key)}");

    /// <summary>Airflow's <c>UpdateHITLDetailPayload</c>.</summary>
    internal sealed record AnswerBody(IReadOnlyList<string>? ChosenOptions = null, JsonObject? ParamsInput = null);
}
