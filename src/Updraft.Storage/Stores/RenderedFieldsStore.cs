using System.Text.Json.Nodes;
using Dapper;
using Updraft.Core.Runtime;
using Updraft.Core.States;
using Updraft.Storage.Database;

namespace Updraft.Storage.Stores;

/// <summary>
/// The rendered template fields of task instances (Airflow's <c>RenderedTaskInstanceFields</c>), as their tries
/// rendered them (secrets already masked by the worker), for the REST API and the UI. Only the latest
/// <paramref name="maxRunsPerTask"/> runs of a task keep theirs (<c>[core] max_num_rendered_ti_fields_per_task</c>; 0 or
/// less keeps all): each write deletes the rows of that task's older runs, so the table never needs a cleanup job.
/// </summary>
public sealed class RenderedFieldsStore(MetadataDatabase database, int maxRunsPerTask = RenderedFieldsStore.DefaultMaxRunsPerTask)
{
    /// <summary>Airflow's default of <c>[core] max_num_rendered_ti_fields_per_task</c>.</summary>
    public const int DefaultMaxRunsPerTask = 30;

    private const string Key = "dag_id = @DagId AND task_id = @TaskId AND run_id = @RunId AND map_index = @MapIndex";

    /// <summary>
    /// Stores the rendered fields of a task instance, replacing earlier ones (a retry renders again), then drops those
    /// of the task's runs past the newest <c>maxRunsPerTask</c> (newest by logical date, as Airflow orders them). Given
    /// the try that writes (<paramref name="writerTry"/>), the write lands only while that try still owns its running
    /// task instance, in the same statement; otherwise it is refused with <see cref="TryNotOwnedException"/>.
    /// </summary>
    public async Task SetAsync(TaskInstanceKey key, IReadOnlyDictionary<string, string> fields, int? writerTry = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(fields);
        var json = new JsonObject();
        foreach (var (name, value) in fields)
        {
            json[name] = value;
        }

        var parameters = new { key.DagId, key.TaskId, key.RunId, key.MapIndex, Fields = json.ToJsonString(), writerTry, Keep = maxRunsPerTask };
        await using var connection = await database.OpenAsync(cancellationToken);
        var upsert = database.Overwrite("dag_id, task_id, run_id, map_index", "rendered_fields");
        if (writerTry is null)
        {
            await connection.ExecuteAsync(
                $"INSERT INTO rendered_task_instance_fields (dag_id, task_id, run_id, map_index, rendered_fields) VALUES (@DagId, @TaskId, @RunId, @MapIndex, @Fields) {upsert}",
                parameters);
        }
        else if (await connection.ExecuteAsync(
            $"""
            INSERT INTO rendered_task_instance_fields (dag_id, task_id, run_id, map_index, rendered_fields)
            SELECT dag_id, task_id, run_id, map_index, @Fields FROM task_instance
            WHERE {TaskInstanceStore.KeyMatch} AND try_number = @writerTry AND state = {StateSql.Of(TaskInstanceState.Running)}
            {upsert}
            """,
            parameters) == 0)
        {
            throw new TryNotOwnedException($"The rendered fields of {key} were refused: try {writerTry} no longer owns the task instance.");
        }

        if (maxRunsPerTask <= 0)
        {
            return;
        }

        // The task's rows are one range of the key and at most about maxRunsPerTask runs long (every write trims them),
        // so this reads little however many runs the DAG has. Rows of runs that are gone are not kept either. The kept
        // runs are a derived table: MySQL takes no LIMIT in an IN subquery, nor the table being deleted from in one.
        await connection.ExecuteAsync(
            """
            DELETE FROM rendered_task_instance_fields
            WHERE dag_id = @DagId AND task_id = @TaskId AND run_id NOT IN (SELECT kept.run_id FROM (
                SELECT f.run_id FROM rendered_task_instance_fields f
                JOIN dag_run r ON r.dag_id = f.dag_id AND r.run_id = f.run_id
                WHERE f.dag_id = @DagId AND f.task_id = @TaskId
                GROUP BY f.run_id, r.logical_date, r.id
                ORDER BY r.logical_date DESC, r.id DESC
                LIMIT @Keep) kept)
            """,
            parameters);
    }

    /// <summary>The rendered fields of a task instance in the order they were rendered, or null when none are kept.</summary>
    public async Task<IReadOnlyDictionary<string, string>?> GetAsync(TaskInstanceKey key, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(key);
        await using var connection = await database.OpenAsync(cancellationToken);
        var json = await connection.QuerySingleOrDefaultAsync<string>($"SELECT rendered_fields FROM rendered_task_instance_fields WHERE {Key}", key);
        if (json is null || JsonNode.Parse(json) is not JsonObject fields)
        {
            return null;
        }

        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in fields)
        {
            values[name] = value?.GetValue<string>() ?? "";
        }

        return values;
    }
}
