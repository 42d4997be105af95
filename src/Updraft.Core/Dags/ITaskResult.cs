namespace Updraft.Core.Dags;

/// <summary>
/// A task's result as later tasks receive it, typed: a callable task's return value, or a mapped task's collected
/// results (an array, in map-index order). Covariant, so a task returning <c>string[]</c> can feed a parameter of
/// type <c>IEnumerable&lt;string&gt;</c> or be mapped over.
/// </summary>
public interface ITaskResult<out T>
{
    /// <summary>The task that produces the result.</summary>
    Operator Producer { get; }
}
