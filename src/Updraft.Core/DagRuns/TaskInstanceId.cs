namespace Updraft.Core.DagRuns;

/// <summary>One task instance within a run: its task and map index (-1 for a task that is not mapped, or not expanded yet).</summary>
public readonly record struct TaskInstanceId(string TaskId, int MapIndex = -1)
{
    public override string ToString() => MapIndex < 0 ? TaskId : $"{TaskId}[{MapIndex}]";
}
