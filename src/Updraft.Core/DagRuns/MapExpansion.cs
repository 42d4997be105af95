using System.Text.Json;
using Updraft.Core.Dags;
using Updraft.Core.Serialization;

namespace Updraft.Core.DagRuns;

/// <summary>How many instances a mapped task expands into, from the lengths of its input lists — shared by the scheduler and DAG tests.</summary>
public static class MapExpansion
{
    /// <summary>
    /// The instance count of <paramref name="task"/>, or an error (a producer that returned no list, or more instances
    /// than the task's <c>max_map_length</c>). <paramref name="lengthOf"/> gives a producer's list length: its
    /// return value's length, or for a mapped producer the number of its collected results; null when there is no list.
    /// </summary>
    public static async Task<(int Count, string? Error)> CountAsync(SerializedTask task, Func<SerializedMapInput, Task<int?>> lengthOf)
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(lengthOf);
        var lengths = new List<int>(task.MapInputs.Count);
        foreach (var input in task.MapInputs)
        {
            if ((input.Length ?? await lengthOf(input)) is not { } length)
            {
                return (0, $"Task '{task.TaskId}' cannot be expanded: '{input.TaskId}' did not return a list to map over.");
            }

            lengths.Add(length);
        }

        var count = MapLength.Of(task.MapMode, lengths);
        return count > task.MaxMapLength
            ? (0, $"Task '{task.TaskId}' would expand into {count} instances, more than [core] max_map_length ({task.MaxMapLength}).")
            : ((int)count, null);
    }

    /// <summary>
    /// Whether the instances of <paramref name="task"/> start as soon as it expands: yes for a mapped task and for a task
    /// of a mapped task group with no upstream task in that group; the group's other tasks expand waiting, their
    /// instance <c>i</c> started when instance <c>i</c> upstream allows.
    /// </summary>
    public static bool StartsOnExpansion(SerializedDag dag, SerializedTask task)
    {
        ArgumentNullException.ThrowIfNull(dag);
        ArgumentNullException.ThrowIfNull(task);
        return task.MapGroupId is not { } group || task.UpstreamTaskIds.All(up => dag.GetTask(up).MapGroupId != group);
    }

    /// <summary>The length of a JSON array; null for anything else (or nothing).</summary>
    public static int? JsonListLength(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Array ? document.RootElement.GetArrayLength() : null;
    }
}
