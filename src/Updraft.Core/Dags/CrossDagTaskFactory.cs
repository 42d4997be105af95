using System.Runtime.CompilerServices;

namespace Updraft.Core.Dags;

/// <summary>Tasks about other DAGs: <c>dag.TriggerDagRun(…)</c> and <c>dag.ExternalTask(…)</c>.</summary>
public static class CrossDagTaskFactory
{
    /// <summary>Starts a run of <paramref name="triggerDagId"/>; see <see cref="TriggerDagRunOperator"/>.</summary>
    public static TriggerDagRunOperator TriggerDagRun(this Dag dag, string taskId, string triggerDagId, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, triggerDagId, file, line);

    /// <summary>
    /// Waits for <paramref name="externalTaskId"/> of <paramref name="externalDagId"/> (or, when null, its whole run) at
    /// the same logical date; see <see cref="ExternalTaskSensor"/>.
    /// </summary>
    public static ExternalTaskSensor ExternalTask(this Dag dag, string taskId, string externalDagId, string? externalTaskId = null, [CallerFilePath] string file = "", [CallerLineNumber] int line = 0) =>
        new(dag, taskId, externalDagId, externalTaskId, file, line);
}
