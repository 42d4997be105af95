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
        var ti = new Dictionary<string, object?>
        {
            ["dag_id"] = context.DagId,
            ["task_id"] = context.TaskId,
            ["run_id"] = context.RunId,
            ["try_number"] = context.TryNumber,
            ["max_tries"] = context.MaxTries,
            ["map_index"] = context.MapIndex,
        };
        var values = RunValues(context.DagRun, context.Variables, context.Connections);
        values["task"] = new Dictionary<string, object?> { ["task_id"] = context.TaskId, ["owner"] = context.Task.Owner };
        values["ti"] = ti;
        values["task_instance"] = ti;
        return new TemplateScope(values);
    }

    /// <summary>The names of a run without a task (for a DAG's callbacks), plus <paramref name="extra"/> ones.</summary>
    public static TemplateScope ForRun(DagRunContext run, IVariableStore variables, IConnectionStore connections, IReadOnlyDictionary<string, object?>? extra = null)
    {
        ArgumentNullException.ThrowIfNull(run);
        var values = RunValues(run, variables, connections);
        foreach (var (name, value) in extra ?? new Dictionary<string, object?>())
        {
            values[name] = value;
        }

        return new TemplateScope(values);
    }

    /// <summary>This scope with <paramref name="extra"/> names added (or replaced).</summary>
    public TemplateScope With(IReadOnlyDictionary<string, object?> extra)
    {
        ArgumentNullException.ThrowIfNull(extra);
        var values = new Dictionary<string, object?>(Values, StringComparer.Ordinal);
        foreach (var (name, value) in extra)
        {
            values[name] = value;
        }

        return new TemplateScope(values);
    }

    private static Dictionary<string, object?> RunValues(DagRunContext run, IVariableStore variables, IConnectionStore connections)
    {
        var dagRun = new Dictionary<string, object?>
        {
            ["dag_id"] = run.DagId,
            ["run_id"] = run.RunId,
            ["run_type"] = RunIds.Prefix(run.RunType),
            ["logical_date"] = run.LogicalDate,
            ["data_interval_start"] = run.DataInterval.Start,
            ["data_interval_end"] = run.DataInterval.End,
            ["conf"] = run.Conf,
        };
        return new Dictionary<string, object?>(StringComparer.Ordinal)
        {
            ["ds"] = Iso.Date(run.LogicalDate),
            ["ds_nodash"] = Iso.DateNoDash(run.LogicalDate),
            ["ts"] = Iso.Format(run.LogicalDate),
            ["ts_nodash"] = Iso.TimestampNoDash(run.LogicalDate),
            ["ts_nodash_with_tz"] = Iso.TimestampNoDash(run.LogicalDate) + "+0000",
            ["logical_date"] = run.LogicalDate,
            ["execution_date"] = run.LogicalDate,
            ["data_interval_start"] = run.DataInterval.Start,
            ["data_interval_end"] = run.DataInterval.End,
            ["run_id"] = run.RunId,
            ["dag_run"] = dagRun,
            ["params"] = run.Params.Values,
            ["dag"] = new Dictionary<string, object?> { ["dag_id"] = run.DagId },
            ["var"] = new Dictionary<string, object?>
            {
                ["value"] = new VariableNamespace(variables, asJson: false),
                ["json"] = new VariableNamespace(variables, asJson: true),
            },
            ["conn"] = new ConnectionNamespace(connections),
            ["macros"] = TemplateFunctions.Macros,
        };
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
