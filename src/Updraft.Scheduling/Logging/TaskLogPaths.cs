using Updraft.Storage.Stores;

namespace Updraft.Scheduling.Logging;

/// <summary>Where a try's log lives: <c>dag_id=…/run_id=…/task_id=…/[map_index=…/]attempt=N.log</c> under the log folder.</summary>
public static class TaskLogPaths
{
    public static string For(string baseFolder, TaskInstanceKey key, int tryNumber)
    {
        ArgumentNullException.ThrowIfNull(key);
        var parts = new List<string> { baseFolder, $"dag_id={key.DagId}", $"run_id={key.RunId}", $"task_id={key.TaskId}" };
        if (key.MapIndex >= 0)
        {
            parts.Add($"map_index={key.MapIndex}");
        }

        parts.Add($"attempt={tryNumber}.log");
        return Path.Combine([.. parts]);
    }

    /// <summary>Appends one line to a try's log, for what happens outside the task's process (it was lost or killed).</summary>
    public static void AppendLine(string baseFolder, TaskInstanceKey key, int tryNumber, DateTimeOffset at, string message)
    {
        var path = For(baseFolder, key, tryNumber);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.AppendAllText(path, $"[{at.ToUniversalTime():yyyy-MM-dd'T'HH:mm:ss.fff}+0000] {{executor}} ERROR - {message}\n");
    }
}
