using Updraft.Core.Runtime;

namespace Updraft.Core.Dags;

/// <summary>
/// A task that chooses which of its downstream paths run (Airflow's <c>BaseBranchOperator</c>): override
/// <see cref="ChooseBranchAsync"/> to return the ids of the tasks (or task groups) to follow. Every directly
/// downstream task not chosen — and not itself downstream of a chosen one, so a join straight after the branch still
/// runs — is skipped, and the skip spreads by trigger rules (a join with <c>none_failed_min_one_success</c> runs). No
/// id follows no path. An id that is not a task or group of the DAG fails the task. The chosen ids are its XCom.
/// </summary>
public abstract class BranchOperator : Operator
{
    protected BranchOperator(Dag dag, string taskId, string? file = null, int line = 0)
        : base(dag, taskId, file, line)
    {
    }

    /// <summary>The ids of the tasks or task groups to follow; null or empty for none.</summary>
    protected abstract Task<IEnumerable<string>?> ChooseBranchAsync(TaskContext context);

    public sealed override async Task<object?> ExecuteAsync(TaskContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var chosen = (await ChooseBranchAsync(context))?.ToList() ?? [];
        IReadOnlySet<string> follow;
        try
        {
            follow = Dag.ResolveTaskOrGroupIds(chosen);
        }
        catch (ArgumentException e)
        {
            throw new TaskFailedException($"Branch '{TaskId}' chose {e.Message} Return ids of tasks or task groups of this DAG.");
        }

        var followed = new HashSet<string>(follow, StringComparer.Ordinal);
        foreach (var id in follow)
        {
            followed.UnionWith(Dag.DownstreamOf(id));
        }

        context.Log.Info(chosen.Count == 0 ? "Following no branch" : $"Following branch {string.Join(", ", chosen)}");
        context.SkipDownstream(DownstreamTaskIds.Where(id => !followed.Contains(id)));
        return chosen;
    }
}
