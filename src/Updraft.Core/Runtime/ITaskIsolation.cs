using Updraft.Core.Dags;

namespace Updraft.Core.Runtime;

/// <summary>
/// Runs a task marked <see cref="Operator.Isolated"/> somewhere other than the process running its try: a fresh
/// process that loads the same DAG code, runs the task there and reports its result, its log lines and how it ended.
/// </summary>
public interface ITaskIsolation
{
    /// <summary>Runs <paramref name="task"/> in a fresh process for <paramref name="context"/>'s try; its result, as JSON.</summary>
    Task<object?> ExecuteAsync(Operator task, TaskContext context);
}
