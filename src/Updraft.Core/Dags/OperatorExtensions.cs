namespace Updraft.Core.Dags;

/// <summary>Task settings in the same expression as the task.</summary>
public static class OperatorExtensions
{
    /// <summary>
    /// Sets a task's settings where it is created and returns it, typed:
    /// <c>dag.Bash("load", "…").With(t =&gt; { t.Retries = 3; t.Pool = "db"; })</c>.
    /// </summary>
    public static T With<T>(this T task, Action<T> configure)
        where T : Operator
    {
        ArgumentNullException.ThrowIfNull(task);
        ArgumentNullException.ThrowIfNull(configure);
        configure(task);
        return task;
    }
}
