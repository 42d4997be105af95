using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Runtime;

namespace Updraft.Core.Templates;

/// <summary>The names a template can use, built from a task's context with Airflow's names.</summary>
public sealed class TemplateScope(IReadOnlyDictionary<string, object?> values)
{
    public IReadOnlyDictionary<string, object?> Values { get; } = values;

    public static TemplateScope For(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var dagRun = new Dictionary<string, object?>
        {
            ["dag_id"] = context.DagId,
            ["run_id"] = context.RunId,
            ["run_type"] = RunIds.Prefix(context.DagRun.RunType),
            ["logical_date"] = context.LogicalDate,
            ["data_interval_start"] = context.DataIntervalStart,
            ["data_interval_end"] = context.DataIntervalEnd,
            ["conf"] = context.Conf,
        };
        var ti = new Dictionary<string, object?>
        {
            ["dag_id"] = context.DagId,
            ["task_id"] = context.TaskId,
            ["run_id"] = context.RunId,
            ["try_number"] = context.TryNumber,
            ["max_tries"] = context.MaxTries,
        };
        return new TemplateScope(new Dictionary<string, object?>
        {
            ["ds"] = context.Ds,
            ["ds_nodash"] = context.DsNodash,
            ["ts"] = context.Ts,
            ["ts_nodash"] = context.TsNodash,
            ["ts_nodash_with_tz"] = context.TsNodash + "+0000",
            ["logical_date"] = context.LogicalDate,
            ["execution_date"] = context.LogicalDate,
            ["data_interval_start"] = context.DataIntervalStart,
            ["data_interval_end"] = context.DataIntervalEnd,
            ["run_id"] = context.RunId,
            ["dag_run"] = dagRun,
            ["params"] = context.Params.Values,
            ["dag"] = new Dictionary<string, object?> { ["dag_id"] = context.DagId },
            ["task"] = new Dictionary<string, object?> { ["task_id"] = context.TaskId, ["owner"] = context.Task.Owner },
            ["ti"] = ti,
            ["task_instance"] = ti,
            ["var"] = new Dictionary<string, object?>
            {
                ["value"] = new VariableNamespace(context.Variables, asJson: false),
                ["json"] = new VariableNamespace(context.Variables, asJson: true),
            },
            ["conn"] = new ConnectionNamespace(context.Connections),
            ["macros"] = TemplateFunctions.Macros,
        });
    }

    private sealed class VariableNamespace(IVariableStore store, bool asJson) : ITemplateNamespace
    {
        public async ValueTask<(bool Found, object? Value)> GetAsync(string name, CancellationToken cancellationToken)
        {
            var value = await store.GetAsync(name, cancellationToken);
            if (value is null)
            {
                return (false, null);
            }

            if (!asJson)
            {
                return (true, value);
            }

            try
            {
                return (true, JsonNode.Parse(value));
            }
            catch (JsonException e)
            {
                throw new TemplateException($"Variable '{name}' is not valid JSON: {e.Message}");
            }
        }
    }

    private sealed class ConnectionNamespace(IConnectionStore store) : ITemplateNamespace
    {
        public async ValueTask<(bool Found, object? Value)> GetAsync(string name, CancellationToken cancellationToken)
        {
            var conn = await store.GetAsync(name, cancellationToken);
            return conn is null ? (false, null) : (true, conn);
        }
    }
}
