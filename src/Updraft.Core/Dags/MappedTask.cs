using System.Text.Json;
using System.Text.Json.Nodes;
using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// A task expanded at run time into one instance per element of its input (Airflow's dynamic task mapping), created
/// with <c>dag.Map(…)</c>. Each instance runs, retries, logs and is cleared on its own, with its <c>map_index</c>;
/// tasks downstream receive the instances' results collected into an array, in map-index order. An input of no
/// elements skips the task; one longer than <c>[core] max_map_length</c> fails.
/// </summary>
public sealed class MappedTask<TOut> : Operator, IMappedTask, ITaskResult<TOut[]>
{
    private readonly Func<TaskContext, object?, Task<object?>> _invoke;
    private readonly Func<object?[], object?> _combine;

    internal MappedTask(Dag dag, string taskId, IReadOnlyList<MapPart> parts, MapMode mode, Func<object?[], object?> combine, Func<TaskContext, object?, Task<object?>> invoke, string file, int line)
        : base(dag, taskId, file, line)
    {
        if (Group?.MappedAncestorOrSelf is { } group)
        {
            throw new DagDefinitionException(
                $"Task '{TaskId}' is mapped inside mapped task group '{group.GroupId}': a task there is already one instance per element of the group's input; map the group over the combined input instead.",
                file,
                line);
        }

        Parts = parts;
        Mode = mode;
        _combine = combine;
        _invoke = invoke;
        foreach (var part in parts.Where(p => p.Task is not null))
        {
            part.Task!.SetDownstream(this);
        }
    }

    public override bool IsMapped => true;

    public override string OperatorName => MappedOperatorName;

    /// <summary>The operator each instance is, as listings show it (a mapped Bash task is a <c>BashOperator</c>).</summary>
    internal string MappedOperatorName { get; init; } = "CallableOperator";

    public Operator Producer => this;

    public IReadOnlyList<MapPart> Parts { get; }

    public MapMode Mode { get; }

    public override async Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return await _invoke(context, await MapElements.ElementAsync(context, TaskId, Parts, Mode, _combine));
    }
}

/// <summary>How an instance of a mapped task (or of a task in a mapped task group) finds its element.</summary>
internal static class MapElements
{
    /// <summary>The element instance <c>context.MapIndex</c> of a task mapped over <paramref name="parts"/> is for.</summary>
    internal static async Task<object?> ElementAsync(TaskContext context, string taskId, IReadOnlyList<MapPart> parts, MapMode mode, Func<object?[], object?> combine, bool inGroup = false)
    {
        if (context.MapIndex < 0)
        {
            throw new TaskFailedException($"Task '{taskId}' is mapped: it runs as instances with a map index (0, 1, …), not on its own.");
        }

        var lists = new List<IReadOnlyList<object?>>(parts.Count);
        foreach (var part in parts)
        {
            lists.Add(part.Literal ?? await ReadListAsync(context, part));
        }

        var positions = MapLength.Positions(mode, [.. lists.Select(l => l.Count)], context.MapIndex)
            ?? throw new TaskFailedException(inGroup
                ? $"Map index {context.MapIndex} is past the end of the input of '{taskId}''s mapped task group (its upstream result changed since the group was expanded); a group keeps the count it expanded to: start a new run for the new list."
                : $"Map index {context.MapIndex} is past the end of the input of '{taskId}' (its upstream result changed since the task was expanded); clear the task to expand it again.");
        var elements = new object?[parts.Count];
        for (var p = 0; p < parts.Count; p++)
        {
            elements[p] = lists[p][positions[p]];
        }

        return combine(elements);
    }

    private static async Task<IReadOnlyList<object?>> ReadListAsync(TaskContext context, MapPart part)
    {
        var producer = part.Task!;
        var json = producer.IsMapped
            ? await context.XCom.PullMappedJsonAsync(producer.TaskId, XComKey.ReturnValue)
            : await context.XComStore.GetAsync(new XComKey(context.DagId, context.RunId, producer.TaskId, -1, XComKey.ReturnValue), context.CancellationToken);
        if (json is null || JsonNode.Parse(json) is not JsonArray array)
        {
            throw new TaskFailedException($"Task '{producer.TaskId}' did not return a list to map over.");
        }

        return [.. array.Select(node => node.Deserialize(part.ElementType, XComJson.Options))];
    }
}

/// <summary>What the serializer and runners read of any mapped task, whatever its result type.</summary>
public interface IMappedTask
{
    IReadOnlyList<MapPart> Parts { get; }

    MapMode Mode { get; }
}
