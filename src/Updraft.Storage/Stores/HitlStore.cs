using System.Text.Json;
using System.Text.Json.Nodes;
using Dapper;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Storage.Database;
using Updraft.Storage.Queries;

namespace Updraft.Storage.Stores;

/// <summary>
/// Questions of human-in-the-loop tasks and their answers (Airflow's <c>hitl_detail</c>): a try asks (a new question
/// replaces an earlier one of the same task instance and its answer), the triggerer reads the answer, and a person
/// answers through the REST API — once: the write is guarded on there being no answer yet.
/// </summary>
public sealed class HitlStore(MetadataDatabase database) : IHumanResponses
{
    private const string Columns =
        """
        h.dag_id AS DagId, h.run_id AS RunId, h.task_id AS TaskId, h.map_index AS MapIndex, h.subject AS Subject, h.body AS Body,
        h.options AS OptionsJson, h.defaults AS DefaultsJson, h.multiple AS Multiple, h.params AS ParamsJson, h.timeout_at AS TimeoutAtMicros,
        h.created_at AS CreatedAtMicros, h.responded_at AS RespondedAtMicros, h.responded_by AS RespondedBy, h.chosen_options AS ChosenOptionsJson,
        h.params_input AS ParamsInputJson, ti.state AS TaskStateName
        """;

    private const string From = "hitl_detail h LEFT JOIN task_instance ti ON ti.dag_id = h.dag_id AND ti.run_id = h.run_id AND ti.task_id = h.task_id AND ti.map_index = h.map_index";

    /// <summary>Records the question of a task instance (replacing an earlier one and its answer).</summary>
    public async Task AskAsync(TaskInstanceKey key, HumanRequest request, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(request);
        await using var connection = await database.OpenAsync(cancellationToken);
        var parameters = new DynamicParameters(new
        {
            key.DagId,
            key.RunId,
            key.TaskId,
            key.MapIndex,
            request.Subject,
            request.Body,
            Options = JsonSerializer.Serialize(request.Options),
            Defaults = request.Defaults is null ? null : JsonSerializer.Serialize(request.Defaults),
            Multiple = request.Multiple ? 1 : 0,
            Params = request.Params.ToJsonString(),
            At = Micros.From(now),
        });
        parameters.Add("Timeout", Micros.From(request.TimeoutAt), System.Data.DbType.Int64);
        await connection.ExecuteAsync(
            """
            INSERT INTO hitl_detail (dag_id, run_id, task_id, map_index, subject, body, options, defaults, multiple, params, timeout_at, created_at)
            VALUES (@DagId, @RunId, @TaskId, @MapIndex, @Subject, @Body, @Options, @Defaults, @Multiple, @Params, @Timeout, @At)
            """ + database.Overwrite(
                "dag_id, run_id, task_id, map_index", "subject", "body", "options", "defaults", "multiple", "params", "timeout_at", "created_at",
                "responded_at = NULL", "responded_by = NULL", "chosen_options = NULL", "params_input = NULL"),
            parameters);
    }

    /// <summary>One question with its answer, or null.</summary>
    public async Task<HitlRecord?> GetAsync(TaskInstanceKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.QuerySingleOrDefaultAsync<HitlRecord>(
            $"SELECT {Columns} FROM {From} WHERE h.dag_id = @DagId AND h.run_id = @RunId AND h.task_id = @TaskId AND h.map_index = @MapIndex", key);
    }

    /// <summary>Questions, of the DAGs in <paramref name="dagIds"/> (all when null), answered or not as asked.</summary>
    public async Task<Page<HitlRecord>> QueryAsync(IReadOnlyCollection<string>? dagIds, string? dagId, bool? responded, PageRequest page, CancellationToken cancellationToken = default)
    {
        var sql = new ListSql(From, Sortable, "created_at", "h.dag_id, h.run_id, h.task_id, h.map_index").In("h.dag_id", dagIds);
        if (dagId is not null)
        {
            sql.Where("h.dag_id = @value", dagId);
        }

        if (responded is { } answered)
        {
            sql.Where(answered ? "(h.responded_at IS NOT NULL AND @value = 1)" : "(h.responded_at IS NULL AND @value = 1)", 1);
        }

        await using var connection = await database.OpenAsync(cancellationToken);
        return await sql.RunAsync<HitlRecord>(connection, $"SELECT {Columns}", page);
    }

    /// <summary>
    /// Records an answer unless there is one already — and, given <paramref name="askedAt"/>, only to the question asked
    /// then (not to one asked again since); false when not (nothing is written).
    /// </summary>
    public async Task<bool> RespondAsync(TaskInstanceKey key, HumanResponse response, long? askedAt = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(response);
        await using var connection = await database.OpenAsync(cancellationToken);
        return await connection.ExecuteAsync(
            """
            UPDATE hitl_detail SET responded_at = @At, responded_by = @By, chosen_options = @Chosen, params_input = @Input
            WHERE dag_id = @DagId AND run_id = @RunId AND task_id = @TaskId AND map_index = @MapIndex AND responded_at IS NULL
                AND (@AskedAt IS NULL OR created_at = @AskedAt)
            """,
            new
            {
                key.DagId,
                key.RunId,
                key.TaskId,
                key.MapIndex,
                At = Micros.From(response.RespondedAt),
                By = response.RespondedBy,
                Chosen = JsonSerializer.Serialize(response.ChosenOptions),
                Input = response.ParamsInput.ToJsonString(),
                AskedAt = askedAt,
            }) > 0;
    }

    async Task<HumanResponse?> IHumanResponses.GetAsync(string dagId, string runId, string taskId, int mapIndex, CancellationToken cancellationToken) =>
        (await GetAsync(new TaskInstanceKey(dagId, runId, taskId, mapIndex), cancellationToken))?.Response;

    Task<bool> IHumanResponses.RespondAsync(string dagId, string runId, string taskId, int mapIndex, HumanResponse response, CancellationToken cancellationToken) =>
        RespondAsync(new TaskInstanceKey(dagId, runId, taskId, mapIndex), response, null, cancellationToken);

    private static readonly Dictionary<string, string> Sortable = new(StringComparer.Ordinal)
    {
        ["created_at"] = "h.created_at",
        ["responded_at"] = "h.responded_at",
        ["dag_id"] = "h.dag_id",
        ["run_id"] = "h.run_id",
        ["task_id"] = "h.task_id",
    };
}

/// <summary>A stored question of a human-in-the-loop task, its answer if any, and its task instance's state.</summary>
public sealed record HitlRecord
{
    public string DagId { get; init; } = "";

    public string RunId { get; init; } = "";

    public string TaskId { get; init; } = "";

    public int MapIndex { get; init; } = -1;

    public string Subject { get; init; } = "";

    public string? Body { get; init; }

    public string OptionsJson { get; init; } = "[]";

    public string? DefaultsJson { get; init; }

    public int Multiple { get; init; }

    public string ParamsJson { get; init; } = "{}";

    public long? TimeoutAtMicros { get; init; }

    public long CreatedAtMicros { get; init; }

    public long? RespondedAtMicros { get; init; }

    public string? RespondedBy { get; init; }

    public string? ChosenOptionsJson { get; init; }

    public string? ParamsInputJson { get; init; }

    public string? TaskStateName { get; init; }

    public IReadOnlyList<string> Options => JsonSerializer.Deserialize<string[]>(OptionsJson) ?? [];

    public IReadOnlyList<string>? Defaults => DefaultsJson is null ? null : JsonSerializer.Deserialize<string[]>(DefaultsJson);

    public JsonObject Params => JsonNode.Parse(ParamsJson) as JsonObject ?? [];

    public DateTimeOffset? TimeoutAt => Micros.To(TimeoutAtMicros);

    public DateTimeOffset CreatedAt => Micros.To(CreatedAtMicros);

    /// <summary>The task instance's state: whether it still waits for the answer (deferred).</summary>
    public TaskInstanceState? TaskState => TaskStateName is null ? null : StateNames.ParseTaskState(TaskStateName);

    public HumanResponse? Response => RespondedAtMicros is { } at
        ? new HumanResponse(JsonSerializer.Deserialize<string[]>(ChosenOptionsJson ?? "[]") ?? [], JsonNode.Parse(ParamsInputJson ?? "{}") as JsonObject ?? [], RespondedBy, Micros.To(at))
        : null;
}
